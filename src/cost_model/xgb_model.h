/// \file The `xgb` cost model: Ansor's XGBModel (cost-models.md §2.2). Per-store features, one
/// row per store; a program's score is the sum of its rows' predictions; trained with the pack-sum
/// squared error weighted by normalized throughput, retrained from scratch on every update.
///
/// Pretrained use (TenSet's "xgb pretrained", Zheng et al. 2021): `worldtune train` fits it on a
/// corpus with early stopping on held-out workloads. Loaded from a file, its boosters are kept
/// frozen and predict from the first round; measurements of the run then train a local booster on
/// the residual (the loaded boosters' margins are its base margin: TenSet's `plus_mix_task`
/// few-shot mode), unless the option `frozen` is set (TenSet's `xgb-no-update`).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cost_model/model_file.h"
#include "search/cost_model.h"
#include "support/rng.h"

namespace worldtune::cost_model {

/// The xgb entry's options (warmup, frozen, threads).
std::vector<ModelOptionSpec> xgb_option_specs();

class XgbModel : public search::CostModel {
 public:
  explicit XgbModel(const CostModelOptions &options);
  XgbModel(const XgbModel &) = delete;
  XgbModel &operator=(const XgbModel &) = delete;

  std::string name() const override { return "xgb"; }
  void update(const std::vector<search::MeasuredState> &measured) override;
  void pretrain(const std::vector<search::MeasuredState> &train,
                const std::vector<search::MeasuredState> &valid) override;
  std::vector<float> predict(const search::SearchTask &task,
                             const std::vector<schedule::State> &states) override;
  void save(const std::string &path) const override;
  void load(const std::string &path) override;
  bool scores_now() const override;

  int num_samples() const { return static_cast<int>(samples_.size()); }
  /// Boosting rounds of the booster trained last (0 before any).
  int num_rounds() const { return rounds_; }
  /// Boosters loaded from a file (applied first, never retrained).
  int num_frozen() const { return static_cast<int>(frozen_.size()); }

 private:
  struct Sample {
    std::string group;  ///< label group: (workload, machine)
    std::vector<std::vector<float>> rows;
    double cost = 0;
  };
  std::vector<Sample> to_samples(const std::vector<search::MeasuredState> &measured);
  /// Trains a fresh local booster on samples_, stopping early on `valid` (or on samples_ when
  /// empty).
  void train(const std::vector<Sample> &valid);
  /// Feature rows of a state (cached by task and schedule); empty when extraction fails.
  const std::vector<std::vector<float>> &rows_of(const search::SearchTask &task,
                                                 const schedule::State &state);

  struct BoosterFree {
    void operator()(void *booster) const;
  };
  using Booster = std::unique_ptr<void, BoosterFree>;  // XGBoost's BoosterHandle

  CostModelOptions options_;
  Rng rng_;
  std::vector<Booster> frozen_;  ///< loaded boosters, each trained on the margins of those before
  Booster booster_;              ///< trained here, on the margins of frozen_
  std::vector<Sample> samples_;
  std::map<std::string, std::vector<std::vector<float>>> feature_cache_;
  int rounds_ = 0;
};

}  // namespace worldtune::cost_model
