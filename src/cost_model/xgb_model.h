/// \file The `xgb` cost model: Ansor's XGBModel (cost-models.md §2.2). Per-store features, one
/// row per store; a program's score is the sum of its rows' predictions; trained with the pack-sum
/// squared error weighted by normalized throughput, retrained from scratch on every update.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cost_model/cost_model_registry.h"
#include "search/cost_model.h"
#include "support/rng.h"

namespace worldtune::cost_model {

class XgbModel : public search::CostModel {
 public:
  explicit XgbModel(const CostModelOptions &options);
  XgbModel(const XgbModel &) = delete;
  XgbModel &operator=(const XgbModel &) = delete;

  std::string name() const override { return "xgb"; }
  void update(const std::vector<search::MeasuredState> &measured) override;
  std::vector<float> predict(const search::SearchTask &task,
                             const std::vector<schedule::State> &states) override;
  void save(const std::string &path) const override;
  void load(const std::string &path) override;

  int num_samples() const { return static_cast<int>(samples_.size()); }
  /// Boosting rounds kept after early stopping in the last training (0 before any).
  int num_rounds() const { return rounds_; }

 private:
  struct Sample {
    std::string task;
    std::vector<std::vector<float>> rows;
    double cost = 0;
  };
  void train();
  /// Feature rows of a state (cached by task and schedule); empty when extraction fails.
  const std::vector<std::vector<float>> &rows_of(const search::SearchTask &task,
                                                 const schedule::State &state);

  struct BoosterFree {
    void operator()(void *booster) const;
  };
  using Booster = std::unique_ptr<void, BoosterFree>;  // XGBoost's BoosterHandle

  CostModelOptions options_;
  Rng rng_;
  Booster booster_;
  bool pretrained_ = false;  // loaded from a file and not yet replaced by local training
  std::vector<Sample> samples_;
  std::map<std::string, std::vector<std::vector<float>>> feature_cache_;
  int rounds_ = 0;
};

}  // namespace worldtune::cost_model
