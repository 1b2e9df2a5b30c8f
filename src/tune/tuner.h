/// \file `worldtune tune`: rounds of search -> measure -> retrain over one or more workloads that
/// share a trial budget (docs/ARCHITECTURE.md shows one round).
///
/// Resume: the whole run is a deterministic function of the seed and the measured results. On
/// --resume the tuner replays its loop from the start and takes the result of every state already
/// in the records file from the file instead of measuring it, so the trials spent, the best so
/// far, the measured set and the cost model (retrained on the same data in the same order) are
/// restored exactly, and it goes on from the first state that was not measured yet.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measure/measure_options.h"
#include "search/cost_model.h"
#include "search/sketch_policy.h"
#include "tune/task_scheduler.h"

namespace worldtune::tune {

struct TuneOptions {
  std::vector<std::string> workloads;  ///< workload keys (at least one)
  /// How often a run of the network uses each workload (empty: tuned on their own, 1 each): the
  /// task scheduler lowers the weighted sum of latencies, the network's latency.
  std::vector<double> weights;
  std::string network;    ///< the network the workloads are the tasks of ("" for none)
  int64_t trials = 1000;  ///< total over all workloads
  std::string records;    ///< JSON-lines file (appended)
  std::string log;        ///< full error messages ("" : <records>.log)
  uint64_t seed = 0;
  bool resume = false;
  int measures_per_round = 64;
  /// --per-round was given. Else a resumed run keeps the round size it recorded: Ansor's
  /// min(per_round, trials / tasks) would change with a larger budget.
  bool per_round_given = false;
  measure::MeasureOptions measure;
  search::SearchParams search;
  TaskSchedulerParams scheduler;
  std::string model_file;  ///< the model file the cost model was loaded from ("" for none)
  /// file_digest of the weights the model started from (the model file or the shipped weights;
  /// "" for none): a resume with other weights under the same file name is refused.
  std::string model_digest;
  /// The cost model's options given (--model-option), kept in the run settings.
  nlohmann::json model_options = nlohmann::json::object();
  bool verbose = true;  ///< progress on the output stream
};

struct TaskSummary {
  std::string workload;
  double weight = 1;
  double flops = 0;
  double best_cost = 0;  ///< seconds (kFailedCost if nothing succeeded)
  int64_t trials = 0;
  int64_t best_trial = 0;  ///< 1-based trial (of this workload) that found the best
  int64_t failures = 0;
};

struct TuneReport {
  std::vector<TaskSummary> tasks;
  /// With weights: the weighted sum of the tasks' best latencies, seconds (kFailedCost while a
  /// task has no valid schedule).
  double network_cost = 0;
  int64_t trials = 0;       ///< all trials, restored ones included
  int64_t restored = 0;     ///< trials taken from the records file on resume
  std::string stop_reason;  ///< "" when the budget was spent
  // Where the time of this invocation went (seconds).
  double total_s = 0, search_s = 0, predict_s = 0, build_s = 0, run_s = 0, train_s = 0;
  int64_t predicted = 0;  ///< states handed to the cost model
  int64_t scored = 0;     ///< of those, the ones it really scored (not warm-up's random scores)
  double scored_s = 0;    ///< seconds of the calls that really scored
};

/// The run settings file next to the records (`<records>.run.json`): a resume must use the same
/// settings (all but the trial budget) to replay the same search.
inline constexpr const char *kRunSettingsFormat = "worldtune-run-1";

/// Candidates measured per round: --per-round, but no more than the budget's share per workload.
int round_size(const TuneOptions &o);

/// The settings a run with these options records in `<records>.run.json`: everything its replay
/// depends on besides the seed and the results (a resume must match them).
nlohmann::json run_settings(const TuneOptions &o, const std::string &model, int per_round);

/// Where the error log goes: --log, or `<records>.log` by default.
inline std::string error_log_path(const TuneOptions &o) {
  return o.log.empty() ? o.records + ".log" : o.log;
}

/// Runs the tuning. Throws UserError for bad workloads, records of another target or format, a
/// records file holding this run's workloads without --resume, or a resume with other settings.
TuneReport tune(const TuneOptions &options, search::CostModel &model, std::ostream &out);

}  // namespace worldtune::tune
