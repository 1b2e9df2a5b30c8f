/// \file Re-measuring schedules and baselines side by side: built once, then run in interleaved
/// rounds in one process, each round in a rotated order, so that a slow spell of the machine hits
/// every method alike; a method's figure is its median over rounds, every output checked. What
/// bench/compare_best and `worldtune experiment` report instead of the tuners' own measurements.
#pragma once

#include <string>
#include <vector>

#include "ir/workload.h"
#include "measure/builder.h"
#include "measure/measure_options.h"

namespace worldtune::deploy {

struct SideBySideEntry {
  std::string name;
  measure::BuildInput input;
};

struct SideBySideResult {
  std::string name;
  double cost = 0;            ///< median seconds over rounds; 0 when it failed
  std::string error;          ///< why it failed: an error code name, or "unchecked"
  std::vector<double> costs;  ///< per round
};

/// The measurement settings of a side-by-side run: one repeat per round, every output checked,
/// builds kept for the rounds, one build at a time with Halide's autoschedulers' long timeout.
measure::MeasureOptions side_by_side_options();

/// Builds every entry, then runs them `rounds` times interleaved. One result per entry, in order.
std::vector<SideBySideResult> measure_side_by_side(const ir::Workload &workload,
                                                   const std::vector<SideBySideEntry> &entries,
                                                   int rounds,
                                                   const measure::MeasureOptions &options);

}  // namespace worldtune::deploy
