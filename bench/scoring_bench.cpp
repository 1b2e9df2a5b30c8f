/// \file Scoring throughput of cost models on the same candidates and threads: for each workload
/// of bench/core_workloads.txt, 2048 fresh random schedules per repetition are scored by each
/// model (a freshly loaded instance, so no feature cache helps), median of the repetitions, in
/// states per second. xgb's figure includes its per-store features, as in the search.
/// Usage: scoring_bench MODEL[,MODEL...] [REPS]   (MODEL: a model file or a model name)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "cost_model/cost_model_registry.h"
#include "ir/workload.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "support/machine.h"
#include "support/strings.h"

using namespace worldtune;

namespace {

std::unique_ptr<search::CostModel> fresh_model(const std::string &what) {
  cost_model::CostModelOptions mo;
  mo.random_warmup = false;
  if (what.find(".json") != std::string::npos) return cost_model::load_cost_model(what, mo);
  return cost_model::make_cost_model(what, mo);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// How much the scores steer the search's roulette wheel (selection by max(score, 0)): the
/// wheel's share held by the top tenth of the states by score (0.1 = no steering at all).
double top_decile_share(std::vector<float> scores) {
  std::sort(scores.begin(), scores.end(), std::greater<>());
  double total = 0, top = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    double w = std::isfinite(scores[i]) ? std::max(0.0f, scores[i]) : 0.0;
    total += w;
    if (i < scores.size() / 10) top += w;
  }
  return total > 0 ? top / total : 0.1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: scoring_bench MODEL[,MODEL...] [REPS]\n");
    return 2;
  }
  std::vector<std::string> models = split_string(argv[1], ',');
  int reps = argc > 2 ? std::stoi(argv[2]) : 5;
  std::printf("machine: %s, %d cores; 2048 states per repetition, median of %d\n\n",
              host_machine().cpu.c_str(), host_machine().cores, reps);
  std::printf("| workload |");
  for (const std::string &m : models) std::printf(" %s (states/s) |", m.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < models.size(); ++i) std::printf("---|");
  std::printf("\n");
  std::ifstream list(std::string(WORLDTUNE_SOURCE_DIR) + "/bench/core_workloads.txt");
  for (std::string key; std::getline(list, key);) {
    if (key.empty() || key[0] == '#') continue;
    ir::Workload w = ir::parse_workload(key);
    search::SearchTask task;
    task.workload_key = w.key;
    task.dag = w.dag;
    task.hw = search::host_hardware_params();
    search::SketchParams sp;
    sp.hw = task.hw;
    search::AnnotationParams ap;
    ap.hw = task.hw;
    auto sketches = search::generate_sketches(schedule::State(w.dag), sp);
    std::printf("| `%s` |", key.c_str());
    for (const std::string &m : models) {
      std::vector<double> rates, shares;
      for (int r = 0; r < reps; ++r) {
        Rng rng(100 + r);
        auto states = search::sample_states(sketches, 2048, ap, rng);
        auto model = fresh_model(m);
        model->predict(task, {states[0]});  // loads lazily-read weights, encodes the task
        auto t0 = std::chrono::steady_clock::now();
        std::vector<float> scores = model->predict(task, states);
        shares.push_back(top_decile_share(scores));
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rates.push_back(static_cast<double>(states.size()) / s);
      }
      std::printf(" %.0f (top tenth holds %.2f of the wheel) |", median(rates), median(shares));
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return 0;
}
