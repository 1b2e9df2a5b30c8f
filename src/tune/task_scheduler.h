/// \file Ansor's task scheduler (ansor-on-halide.md §6): how several workloads share one trial
/// budget. A round-robin warm-up, then each round goes to the task whose tuning is expected to
/// lower the objective (the weighted sum of best latencies: a network's latency when the weights
/// count each task's uses) the most, estimated from its recent progress and
/// from similar tasks. Pure bookkeeping: the tuner runs the rounds.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "support/rng.h"

namespace worldtune::tune {

struct TaskSchedulerParams {
  std::string strategy = "gradient";  ///< or "round-robin"
  double alpha = 0.2;
  double beta = 2;
  int backward_window_size = 3;
  /// The run stops after this many trials without improving the objective, once every task has
  /// a valid result (< 0: never). Ansor's early_stopping.
  int64_t early_stopping = -1;
  /// A task is dead after this many of its trials without improving it (< 0: never). Ansor's
  /// per_task_early_stopping.
  int64_t per_task_early_stopping = -1;
};

class TaskScheduler {
 public:
  /// `tags[i]` names the operator family of task i ("" for none); tasks of one family with FLOP
  /// counts within a factor 1.618 form a similarity group. `weights[i]` multiplies task i's
  /// latency in the objective (empty: 1 each).
  TaskScheduler(std::vector<double> flops, std::vector<std::string> tags,
                TaskSchedulerParams params, uint64_t seed, std::vector<double> weights = {});

  /// The task to tune next, or -1 when every task is dead or the run stops early.
  int next_task();
  /// Reports one round of task i: how many states it measured and their costs (seconds, failures
  /// as kFailedCost).
  void on_round(int task, const std::vector<double> &costs, int measures_per_round);

  int64_t trials() const { return ct_; }
  bool is_dead(int task) const { return dead_.count(task) > 0; }
  /// Weighted sum of the best latencies (the objective).
  double score() const;
  /// Why the run stopped early ("" when it did not).
  const std::string &stop_reason() const { return stop_reason_; }

 private:
  void adjust_similarity_group(int task);

  std::vector<double> flops_;
  std::vector<std::string> tags_;
  std::vector<double> weights_;
  TaskSchedulerParams params_;
  Rng rng_;
  std::vector<double> best_costs_;
  std::vector<int> task_cts_, task_best_cts_;
  std::vector<std::vector<double>> history_;
  std::vector<int> group_of_;  // -1: no group
  std::vector<std::vector<int>> groups_;
  std::set<int> dead_;
  int64_t ct_ = 0;
  int warm_up_next_ = 0;
  double best_score_ = 0;
  int64_t best_ct_ = 0;
  std::string stop_reason_;
};

}  // namespace worldtune::tune
