/// \file `worldtune train` and `worldtune eval-model`: pretraining a cost model on corpora and
/// scoring how it ranks held-out workloads. Splits are always by workload, never by record
/// (TenSet's protocol): a model never sees programs of a workload it is scored on.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "cost_model/cost_model_registry.h"
#include "dataset/corpus.h"
#include "training/ranking_metrics.h"

namespace worldtune::training {

struct TrainOptions {
  std::vector<std::string> corpus;  ///< records files or folders
  std::string model = "xgb";
  cost_model::CostModelOptions model_options;
  std::string out;           ///< model file to write
  std::string init;          ///< model file to start from (empty: fresh weights)
  double valid_share = 0.1;  ///< workloads held out to stop training on
  uint64_t seed = 1;         ///< which workloads are held out
};

struct TrainReport {
  int train_workloads = 0, valid_workloads = 0;
  int64_t train_programs = 0, valid_programs = 0;
  double seconds = 0;
};

/// Splits the corpus's (workload, machine) groups by workload, trains, writes the model file.
TrainReport train_model(const TrainOptions &o, std::ostream &out);

/// The workloads (keys) held out of `groups` for a share and seed: the same for every model.
std::vector<std::string> held_out_workloads(const std::vector<dataset::CorpusGroup> &groups,
                                            double share, uint64_t seed);

struct GroupScore {
  std::string workload, machine;
  int failed = 0;  ///< records of failed measurements, left out of the metrics
  RankingMetrics metrics;
  std::vector<size_t> scored;  ///< indices into the group's records of the programs scored
  std::vector<float> scores;   ///< the model's score of each of them
};

struct EvalReport {
  std::vector<GroupScore> groups;
  RankingMetrics mean;  ///< over groups with at least two programs measured fine
};

/// Scores every successfully measured program of each group with `model` and compares its ranking
/// with the measured one.
EvalReport evaluate_model(search::CostModel &model,
                          const std::vector<dataset::CorpusGroup> &groups);

}  // namespace worldtune::training
