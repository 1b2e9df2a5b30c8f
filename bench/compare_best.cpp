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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::vector<std::string> split_list(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) out.push_back(x);
  return out;
}

std::string slug(const std::string &key) {
  std::string s = key;
  for (char &c : s)
    if (c == ':' || c == '=' || c == ',') c = '_';
  return s;
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
    measure::MeasureOptions o;
    o.repeat = 1;
    o.check = measure::CheckPolicy::All;
    o.keep_artifacts = true;   // each build runs once per round
    o.build_timeout_s = 1200;  // Adams2019 searches while building (minutes on a conv)
    o.build_parallel = 1;      // and may need most of the memory (11.4 GiB for a conv2d)
    measure::ProgramMeasurer m(w, o, search::host_hardware_params(), 0, nullptr);
    std::map<std::string, Cell> cells;
    std::vector<std::string> names;
    std::vector<measure::BuildInput> inputs;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string &model = models[c / dirs.size()], &dir = dirs[c % dirs.size()];
      std::string path = dir + "/" + model + "_" + slug(w.key) + ".jsonl";
      if (!std::filesystem::exists(path)) continue;
      deploy::WorkloadRecords rec = deploy::workload_records(path, w.key);
      if (!rec.best) continue;
      names.push_back(columns[c]);
      inputs.push_back(
          {w.dag, schedule::steps_from_json(rec.best->steps), measure::BuildMethod::Schedule, ""});
      cells[columns[c]].note =
          " [" + std::to_string(rec.best_trial) + "/" + std::to_string(rec.trials) + "]";
    }
    for (const auto &p : peers) {
      try {
        inputs.push_back(deploy::baseline_input(w, deploy::parse_baseline_method(p)));
        names.push_back(p);
      } catch (const UserError &e) {
        cells[p] = {0, "n/a"};
      }
    }
    std::vector<measure::BuildResult> built = m.build(inputs);
    // Rounds interleave the methods, each round in a rotated order, so that a slow spell of the
    // machine hits them all alike; a method's figure is the median over rounds.
    std::map<std::string, std::vector<double>> costs;
    std::map<std::string, std::string> failed;
    for (int round = 0; round < rounds; ++round) {
      for (size_t k = 0; k < names.size(); ++k) {
        size_t i = (k + static_cast<size_t>(round)) % names.size();
        if (failed.count(names[i])) continue;
        MeasureResult r = m.run_built(built[i]);
        if (!r.ok())
          failed[names[i]] = error_code_name(r.error);
        else if (!r.checked)
          failed[names[i]] = "unchecked";
        else
          costs[names[i]].push_back(median(r.costs));
      }
    }
    for (const auto &n : names) {
      std::fprintf(stderr, "%s %s ms per round:", w.key.c_str(), n.c_str());
      for (double c : costs[n]) std::fprintf(stderr, " %.4f", c * 1e3);
      std::fprintf(stderr, "\n");
      if (failed.count(n))
        cells[n] = {0, " " + failed[n]};
      else
        cells[n].cost = median(costs[n]);
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
