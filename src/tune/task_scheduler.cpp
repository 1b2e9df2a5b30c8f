/// \file The gradient task-selection formula of Ansor's task_scheduler.py.
#include "tune/task_scheduler.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "worldtune/error.h"
#include "worldtune/measure_result.h"

namespace worldtune::tune {

TaskScheduler::TaskScheduler(std::vector<double> flops, std::vector<std::string> tags,
                             TaskSchedulerParams params, uint64_t seed, std::vector<double> weights)
    : flops_(std::move(flops)),
      tags_(std::move(tags)),
      weights_(weights.empty() ? std::vector<double>(flops_.size(), 1.0) : std::move(weights)),
      params_(std::move(params)),
      rng_(seed),
      best_costs_(flops_.size(), kFailedCost),
      task_cts_(flops_.size(), 0),
      task_best_cts_(flops_.size(), 0),
      history_(flops_.size()),
      group_of_(flops_.size(), -1) {
  WT_ASSERT(flops_.size() == tags_.size() && flops_.size() == weights_.size(),
            "one tag and one weight per task");
  std::map<std::string, int> group_ids;
  for (size_t i = 0; i < flops_.size(); ++i) {
    if (tags_[i].empty()) continue;
    std::string key = tags_[i] + "_" +
                      std::to_string(static_cast<int>(std::log(flops_[i] + 1) / std::log(1.618)));
    auto [it, inserted] = group_ids.emplace(key, static_cast<int>(groups_.size()));
    if (inserted) groups_.emplace_back();
    groups_[it->second].push_back(static_cast<int>(i));
    group_of_[i] = it->second;
  }
}

double TaskScheduler::score() const {
  double s = 0;
  for (size_t i = 0; i < best_costs_.size(); ++i) s += weights_[i] * best_costs_[i];
  return s;
}

int TaskScheduler::next_task() {
  int n = static_cast<int>(flops_.size());
  if (warm_up_next_ < n) return warm_up_next_++;
  if (!stop_reason_.empty() || static_cast<int>(dead_.size()) >= n) return -1;
  if (params_.strategy == "round-robin") {
    // The alive task with the fewest rounds, lowest index first.
    int pick = -1;
    for (int i = 0; i < n; ++i)
      if (!dead_.count(i) && (pick < 0 || task_cts_[i] < task_cts_[pick])) pick = i;
    return pick;
  }
  std::vector<double> grads(n, 0.0);
  for (int i = 0; i < n; ++i) {
    if (dead_.count(i)) continue;
    // d(objective)/d(best_i): the task's weight (Ansor's weighted-sum objective).
    const double chain = weights_[static_cast<size_t>(i)];
    double backward = 0;
    int t = task_cts_[i];
    const auto &h = history_[i];
    if (t - 1 < static_cast<int>(h.size()) && t - 1 - params_.backward_window_size >= 0)
      backward =
          (h[t - 1] - h[t - 1 - params_.backward_window_size]) / params_.backward_window_size;
    double g_next_1 = best_costs_[i] - best_costs_[i] / std::max(t, 1);
    double g_next_2 = params_.beta * 1e30;
    int g = group_of_[i];
    if (g >= 0 && groups_[g].size() > 1) {
      double best_flops = 0;
      for (int j : groups_[g]) best_flops = std::max(best_flops, flops_[j] / best_costs_[j]);
      g_next_2 = params_.beta * flops_[i] / best_flops;
    }
    double forward = std::min(g_next_1, g_next_2) - best_costs_[i];
    grads[i] = chain * (params_.alpha * backward + (1 - params_.alpha) * forward);
  }
  std::vector<int> alive;
  for (int i = 0; i < n; ++i)
    if (!dead_.count(i)) alive.push_back(i);
  auto [lo, hi] = std::minmax_element(grads.begin(), grads.end());
  if (*lo == *hi) return alive[rng_.uniform(alive.size())];
  // The most negative gradient among alive tasks (dead ones hold 0, never below an alive one's).
  int pick = alive.front();
  for (int i : alive)
    if (grads[i] < grads[pick]) pick = i;
  return pick;
}

void TaskScheduler::on_round(int task, const std::vector<double> &costs, int measures_per_round) {
  task_cts_[task] += 1;
  for (double c : costs) {
    if (c < best_costs_[task]) {
      best_costs_[task] = c;
      task_best_cts_[task] = task_cts_[task];
    }
  }
  int64_t no_change = int64_t{task_cts_[task] - task_best_cts_[task]} * measures_per_round;
  if (costs.empty() ||
      (params_.per_task_early_stopping >= 0 && no_change > params_.per_task_early_stopping))
    dead_.insert(task);
  history_[task].push_back(best_costs_[task]);
  ct_ += static_cast<int64_t>(costs.size());
  adjust_similarity_group(task);

  int n = static_cast<int>(flops_.size());
  if (warm_up_next_ < n) return;  // still in the round-robin warm-up
  double s = score();
  if (best_ct_ == 0 || s < best_score_) {
    best_score_ = s;
    best_ct_ = ct_;
  } else if (params_.early_stopping >= 0 && ct_ - best_ct_ >= params_.early_stopping &&
             std::all_of(best_costs_.begin(), best_costs_.end(),
                         [](double c) { return c < 1e9; })) {
    stop_reason_ = "no improvement in the last " + std::to_string(ct_ - best_ct_) + " trials";
  }
}

void TaskScheduler::adjust_similarity_group(int task) {
  int g = group_of_[task];
  if (g < 0 || groups_[g].size() <= 1) return;
  double best_group_flops = 0;
  int max_other_cts = 0;
  for (int j : groups_[g]) {
    best_group_flops = std::max(best_group_flops, flops_[j] / best_costs_[j]);
    if (j != task) max_other_cts = std::max(max_other_cts, task_cts_[j]);
  }
  double cur = flops_[task] / best_costs_[task];
  // Tuned much more than its peers and still far slower: it is not similar to them after all.
  if (cur < best_group_flops / params_.beta && task_cts_[task] > 5 + max_other_cts) {
    auto &ids = groups_[g];
    ids.erase(std::remove(ids.begin(), ids.end(), task), ids.end());
    group_of_[task] = -1;
  }
}

}  // namespace worldtune::tune
