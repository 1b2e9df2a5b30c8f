/// \file The `random` cost model: uniform random scores, learns nothing. It is the search's
/// baseline (Ansor's RandomModel) and its warm-up behaviour.
#pragma once

#include "search/cost_model.h"
#include "support/rng.h"

namespace worldtune::cost_model {

class RandomModel : public search::CostModel {
 public:
  explicit RandomModel(uint64_t seed) : rng_(seed) {}
  std::string name() const override { return "random"; }
  bool guides_search() const override { return false; }
  void update(const std::vector<search::MeasuredState> &) override {}
  std::vector<float> predict(const search::SearchTask &task,
                             const std::vector<schedule::State> &states) override;
  void save(const std::string &path) const override;
  void load(const std::string &path) override;

 private:
  Rng rng_;
};

}  // namespace worldtune::cost_model
