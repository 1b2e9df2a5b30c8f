/// \file Sampled matmul schedules with a synthetic cost, shared by the cost-model tests: faster
/// with a wider vectorized loop and with a parallel loop, which every model's inputs can express.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "search/cost_model.h"
#include "test_states.h"

namespace worldtune::testing {

using schedule::State;

struct Data {
  std::shared_ptr<search::SearchTask> task;
  std::vector<State> states;
  std::vector<double> costs;
};

inline Data make_data(int n, uint64_t seed) {
  Data d;
  d.task = std::make_shared<search::SearchTask>();
  d.task->workload_key = "matmul:M=64,N=64,K=64";
  d.task->dag = dag_of(d.task->workload_key);
  d.states = random_states(d.task->workload_key, n, seed);
  for (const State &s : d.states) {
    double vec = 1, par = 1;
    for (const auto &st : s.stages())
      for (const auto &it : st.iters) {
        if (it.annotation == schedule::IterAnnotation::Vectorize)
          vec = std::max(vec, double(it.extent));
        if (it.annotation == schedule::IterAnnotation::Parallel) par = 2;
      }
    d.costs.push_back(1e-3 / (vec * par));
  }
  return d;
}

inline std::vector<search::MeasuredState> measured(const Data &d, size_t begin, size_t end) {
  std::vector<search::MeasuredState> out;
  for (size_t i = begin; i < end; ++i) {
    MeasureResult r;
    r.costs = {d.costs[i]};
    out.push_back({d.task, d.states[i], r});
  }
  return out;
}

inline double pairwise_accuracy(const std::vector<float> &pred, const std::vector<double> &cost) {
  int right = 0, total = 0;
  for (size_t i = 0; i < pred.size(); ++i)
    for (size_t j = i + 1; j < pred.size(); ++j) {
      if (cost[i] == cost[j]) continue;
      ++total;
      right += (pred[i] > pred[j]) == (cost[i] < cost[j]);
    }
  return total ? double(right) / total : 0;
}

}  // namespace worldtune::testing
