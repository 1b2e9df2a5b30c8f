/// \file Issue 3's benchmark, step 2 (step 1 is bench/tune_bench.sh): for each workload of
/// bench/core_workloads.txt, re-measures side by side in one process the best schedule found by
/// each cost model and the four peers (naive, Halide's Adams2019 and Mullapudi2016, oneDNN), every
/// output checked, median of R interleaved rounds, and prints the markdown table of
/// docs/benchmarks.md with the acceptance checks (xgb vs random geomean, xgb vs Adams2019, matmul
/// vs oneDNN). Usage: compare_best RUNS_DIR[,RUNS_DIR2...] [rounds, default 10] [models, default
/// "xgb,random"] [FILTER] [PEERS, default "naive,halide-adams2019,halide-mullapudi2016,onednn";
/// "none" for none] (FILTER: only workloads whose key contains it). Several RUNS_DIRs (one per
/// seed, say) put every (model, folder) best of a workload side by side in the same rounds; each
/// model's geometric mean is then over workloads and folders.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "deploy/baseline.h"
#include "deploy/best_records.h"
#include "deploy/side_by_side.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

using namespace worldtune;

namespace {

struct Cell {
  double cost = 0;  // median seconds, 0 when unavailable
  std::string note;
};

std::vector<std::string> split_list(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) out.push_back(x);
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: compare_best RUNS_DIR [rounds] [models] [filter]\n");
    return 2;
  }
  std::vector<std::string> dirs = split_list(argv[1]);
  int rounds = argc > 2 ? std::atoi(argv[2]) : 10;
  std::vector<std::string> models = split_list(argc > 3 ? argv[3] : "xgb,random");
  std::string filter = argc > 4 ? argv[4] : "";
  std::vector<std::string> peers =
      split_list(argc > 5 ? argv[5] : "naive,halide-adams2019,halide-mullapudi2016,onednn");
  if (peers == std::vector<std::string>{"none"}) peers.clear();
  // One column per (model, folder); named by the model alone when there is one folder.
  std::vector<std::string> columns;
  for (const auto &m : models)
    for (const auto &d : dirs)
      columns.push_back(dirs.size() == 1 ? m
                                         : m + "@" + std::filesystem::path(d).filename().string());

  std::ifstream list(std::string(WORLDTUNE_SOURCE_DIR) + "/bench/core_workloads.txt");
  std::printf(
      "GFLOP/s, median of %d rounds, each round running every method once (in a rotated "
      "order, output checked, at least 100 ms of runs), all in one process per workload "
      "(trials to the best in brackets)\n\n| workload |",
      rounds);
  for (const auto &m : columns) std::printf(" %s |", m.c_str());
  for (const auto &p : peers) std::printf(" %s |", p.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < columns.size() + peers.size(); ++i) std::printf("---|");
  std::printf("\n");
  std::map<std::string, std::vector<double>> speedup_logs;  // model -> log(speed / random)
  std::map<std::string, std::vector<double>> gflops_logs;   // model -> log(GFLOP/s)
  std::vector<std::string> failures;
  for (std::string key; std::getline(list, key);) {
    if (key.empty() || key[0] == '#' || key.find(filter) == std::string::npos) continue;
    ir::Workload w = ir::parse_workload(key);
    std::map<std::string, Cell> cells;
    std::vector<deploy::SideBySideEntry> entries;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string &model = models[c / dirs.size()], &dir = dirs[c % dirs.size()];
      std::string path = dir + "/" + model + "_" + ir::workload_slug(w.key) + ".jsonl";
      if (!std::filesystem::exists(path)) continue;
      deploy::WorkloadRecords rec = deploy::workload_records(path, w.key);
      if (!rec.best) continue;
      entries.push_back({columns[c],
                         {w.dag, schedule::steps_from_json(rec.best->steps),
                          measure::BuildMethod::Schedule, ""}});
      cells[columns[c]].note =
          " [" + std::to_string(rec.best_trial) + "/" + std::to_string(rec.trials) + "]";
    }
    for (const auto &p : peers) {
      try {
        entries.push_back({p, deploy::baseline_input(w, deploy::parse_baseline_method(p))});
      } catch (const UserError &e) {
        cells[p] = {0, "n/a"};
      }
    }
    for (const deploy::SideBySideResult &r :
         deploy::measure_side_by_side(w, entries, rounds, deploy::side_by_side_options())) {
      std::fprintf(stderr, "%s %s ms per round:", w.key.c_str(), r.name.c_str());
      for (double c : r.costs) std::fprintf(stderr, " %.4f", c * 1e3);
      std::fprintf(stderr, "\n");
      if (!r.error.empty())
        cells[r.name] = {0, " " + r.error};
      else
        cells[r.name].cost = r.cost;
    }
    double flops = w.dag->flop_count();
    auto gf = [&](const std::string &k) {
      return cells.count(k) && cells[k].cost > 0 ? flops / cells[k].cost / 1e9 : 0.0;
    };
    std::printf("| `%s` |", w.key.c_str());
    for (const auto &k : columns) std::printf(" %.1f%s |", gf(k), cells[k].note.c_str());
    for (const auto &k : peers) {
      if (gf(k) > 0)
        std::printf(" %.1f%s |", gf(k), cells[k].note.c_str());
      else
        std::printf(" %s |", cells[k].note.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
    auto random_model = std::find(models.begin(), models.end(), "random");
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string &model = models[c / dirs.size()];
      if (gf(columns[c]) <= 0) continue;
      gflops_logs[model].push_back(std::log(gf(columns[c])));
      if (random_model == models.end()) continue;
      // random's column of the same folder
      size_t r = static_cast<size_t>(random_model - models.begin()) * dirs.size() + c % dirs.size();
      if (gf(columns[r]) > 0)
        speedup_logs[model].push_back(std::log(gf(columns[c]) / gf(columns[r])));
    }
    if (cells.count("halide-adams2019") && gf("xgb") < gf("halide-adams2019"))
      failures.push_back(w.key + ": xgb below Halide Adams2019");
    if (cells.count("onednn") && w.op_name == "matmul" && gf("xgb") < 0.5 * gf("onednn"))
      failures.push_back(w.key + ": xgb below half of oneDNN");
  }
  std::printf("\n");
  for (const auto &[k, logs] : speedup_logs) {
    double s = 0;
    for (double l : logs) s += l;
    std::printf(
        "geometric-mean speed of %s relative to random: %.3f (%zu workload x folder bests)\n",
        k.c_str(), std::exp(s / std::max<size_t>(logs.size(), 1)), logs.size());
  }
  for (const auto &[k, logs] : gflops_logs) {
    double s = 0;
    for (double l : logs) s += l;
    std::printf("geometric-mean GFLOP/s of %s: %.2f (%zu workload x folder bests)\n", k.c_str(),
                std::exp(s / std::max<size_t>(logs.size(), 1)), logs.size());
  }
  for (const auto &f : failures) std::printf("NOT MET: %s\n", f.c_str());
  if (failures.empty()) std::printf("per-workload acceptance checks: all met\n");
  return 0;
}
