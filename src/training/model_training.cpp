/// \file Training on corpora and evaluating rankings.
#include "training/model_training.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>
#include <set>

#include "support/rng.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::training {

std::vector<std::string> held_out_workloads(const std::vector<dataset::CorpusGroup> &groups,
                                            double share, uint64_t seed) {
  std::set<std::string> keys;
  for (const dataset::CorpusGroup &g : groups) keys.insert(g.task->workload_key);
  std::vector<std::string> order(keys.begin(), keys.end());
  Rng rng(seed);
  rng.shuffle(order);
  size_t n = static_cast<size_t>(std::ceil(share * static_cast<double>(order.size())));
  n = std::min(n, order.size() > 1 ? order.size() - 1 : 0);  // keep one workload to train on
  order.resize(n);
  std::sort(order.begin(), order.end());
  return order;
}

TrainReport train_model(const TrainOptions &o, std::ostream &out) {
  auto t0 = std::chrono::steady_clock::now();
  WT_USER_CHECK(!o.out.empty(), BadArgument, "--out MODEL_FILE is required");
  WT_USER_CHECK(o.valid_share >= 0 && o.valid_share < 1, BadArgument,
                "--valid-share must be in [0, 1)");
  std::unique_ptr<search::CostModel> model = cost_model::make_cost_model(o.model, o.model_options);
  if (!o.init.empty()) {
    WT_USER_CHECK(model->trains_from_loaded(), BadArgument,
                  "--init: cost model '" << o.model << "' always trains from scratch");
    model->load(o.init);
  }
  std::vector<dataset::CorpusGroup> groups = dataset::load_corpus(o.corpus);
  std::vector<std::string> held = held_out_workloads(groups, o.valid_share, o.seed);
  std::set<std::string> held_set(held.begin(), held.end());
  std::vector<dataset::CorpusGroup> train, valid;
  for (dataset::CorpusGroup &g : groups)
    (held_set.count(g.task->workload_key) ? valid : train).push_back(std::move(g));
  TrainReport rep;
  rep.valid_workloads = static_cast<int>(held.size());
  std::set<std::string> train_keys;
  for (const auto &g : train)
    train_keys.insert(g.task->workload_key),
        rep.train_programs += static_cast<int64_t>(g.records.size());
  for (const auto &g : valid) rep.valid_programs += static_cast<int64_t>(g.records.size());
  rep.train_workloads = static_cast<int>(train_keys.size());
  out << "train: " << o.model << " on " << rep.train_programs << " programs of "
      << rep.train_workloads << " workloads; " << rep.valid_programs << " programs of "
      << rep.valid_workloads << " held-out workloads decide when to stop\n";
  out.flush();
  model->pretrain(dataset::measured_states(train), dataset::measured_states(valid));
  model->save(o.out);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

EvalReport evaluate_model(search::CostModel &model,
                          const std::vector<dataset::CorpusGroup> &groups) {
  EvalReport rep;
  std::vector<RankingMetrics> counted;
  for (const dataset::CorpusGroup &g : groups) {
    GroupScore s{g.task->workload_key, g.task->machine, 0, {}};
    std::vector<schedule::State> states;
    std::vector<double> costs;
    for (size_t i = 0; i < g.records.size(); ++i) {
      if (!g.records[i].result.ok()) {
        ++s.failed;
        continue;
      }
      states.push_back(g.states[i]);
      costs.push_back(g.records[i].result.mean_cost());
      s.scored.push_back(i);
    }
    s.scores = model.predict(*g.task, states);
    s.metrics = ranking_metrics(costs, s.scores);
    if (costs.size() >= 2) counted.push_back(s.metrics);
    rep.groups.push_back(std::move(s));
  }
  rep.mean = mean_metrics(counted);
  return rep;
}

}  // namespace worldtune::training
