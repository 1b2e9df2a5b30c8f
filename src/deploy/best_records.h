/// \file The best tuned schedule of each workload in a records file: what `worldtune best` shows,
/// `worldtune export` deploys and bench/remeasure_best re-measures.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schedule/halide_program.h"
#include "worldtune/record.h"

namespace worldtune::deploy {

/// One workload's records, summarized.
struct WorkloadRecords {
  std::string workload;  ///< canonical key
  int trials = 0;        ///< tuned records, failed ones included (baselines are no trials)
  std::optional<MeasureRecord> best;  ///< the fastest successful tuned record
  int best_trial = 0;                 ///< its 1-based index among the workload's trials
  /// The fastest successful record of each baseline method measured, by method.
  std::map<std::string, MeasureRecord> baselines;
};

/// Groups records by workload, in the order workloads first appear. Among equal costs the
/// earliest record wins, so the trial index says when that speed was first reached.
std::vector<WorkloadRecords> summarize_records(const std::vector<MeasureRecord> &records);

/// The summary of one workload of `records_path` (`key` need not be canonical). Throws
/// UserError(BadWorkload) for a bad key or one the file has no record of.
WorkloadRecords workload_records(const std::string &records_path, const std::string &key);

/// The record's schedule as Halide lowers it: its steps replayed on its workload's DAG. Throws
/// UserError(BadSchedule or BadWorkload) when it does not replay.
schedule::HalideProgram record_program(const MeasureRecord &record);

}  // namespace worldtune::deploy
