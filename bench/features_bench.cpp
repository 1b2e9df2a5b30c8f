/// \file Throughput of the evaluator the search calls ~10k times per round: per-store feature
/// extraction alone, and features + XGBoost prediction (model trained on records when given),
/// in states per second, on 2048 random schedules of each workload in bench/core_workloads.txt.
/// Usage: features_bench [records.jsonl]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "cost_model/xgb_model.h"
#include "features/per_store_features.h"
#include "ir/workload.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "worldtune/record.h"

using namespace worldtune;

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char **argv) {
  std::ifstream list(std::string(WORLDTUNE_SOURCE_DIR) + "/bench/core_workloads.txt");
  std::printf("| workload | states | features (states/s) | features + xgb predict (states/s) |\n");
  std::printf("|---|---|---|---|\n");
  cost_model::CostModelOptions mo;
  mo.random_warmup = false;
  std::vector<MeasureRecord> records;
  if (argc > 1) records = read_records(argv[1]);
  for (std::string key; std::getline(list, key);) {
    if (key.empty() || key[0] == '#') continue;
    ir::Workload w = ir::parse_workload(key);
    auto task = std::make_shared<search::SearchTask>();
    task->workload_key = w.key;
    task->dag = w.dag;
    task->hw = search::host_hardware_params();
    search::SketchParams sp;
    sp.hw = task->hw;
    search::AnnotationParams ap;
    ap.hw = task->hw;
    auto sketches = search::generate_sketches(schedule::State(w.dag), sp);
    Rng rng(1);
    auto states = search::sample_states(sketches, 2048, ap, rng);
    auto t0 = std::chrono::steady_clock::now();
    size_t rows = 0;
    for (const auto &s : states) rows += features::per_store_features(s, 64).size();
    double feat = since(t0);
    // A model to predict with: trained on this workload's records if any, else on 256 sampled
    // states with made-up costs (prediction cost does not depend on what the trees learned).
    cost_model::XgbModel model(mo);
    std::vector<search::MeasuredState> train;
    for (const MeasureRecord &r : records)
      if (r.workload == w.key && !r.is_baseline())
        train.push_back(
            {task, schedule::State::replay(w.dag, schedule::steps_from_json(r.steps)), r.result});
    for (size_t i = 0; train.size() < 256 && i < states.size(); ++i) {
      MeasureResult r;
      r.costs = {1e-3 * static_cast<double>(1 + i % 7)};
      train.push_back({task, states[i], r});
    }
    model.update(train);
    std::vector<schedule::State> fresh(states.begin() + 256, states.end());
    t0 = std::chrono::steady_clock::now();
    auto scores = model.predict(*task, fresh);
    double pred = since(t0);
    std::printf("| `%s` | %zu (%zu stores) | %.0f | %.0f |\n", key.c_str(), states.size(), rows,
                static_cast<double>(states.size()) / feat,
                static_cast<double>(fresh.size()) / pred);
    (void)scores;
  }
  return 0;
}
