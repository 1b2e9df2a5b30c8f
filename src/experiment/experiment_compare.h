/// \file An experiment's side-by-side comparison: per workload, each run's best schedule among its
/// first K trials (for each checkpoint K) and the peers, re-measured in one process in
/// interleaved rounds (deploy/side_by_side.h). Saved per workload in `compare/<workload>.json`
/// with what was compared, so that it is measured once and again only when a run changed. With
/// several passes (`compare_passes`), every workload is compared once per pass, pass after pass
/// (`compare/pass-<p>/` from the second), and a figure is the median of its passes: a slow spell
/// of the machine then moves one pass, not the result.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "experiment/experiment_config.h"

namespace worldtune::experiment {

/// One figure of a workload's comparison.
struct ComparedEntry {
  std::string method;  ///< a method's name, or a peer's
  bool peer = false;
  uint64_t seed = 0;         ///< 0 for a peer
  int64_t checkpoint = 0;    ///< the trials the best was taken from (0 for a peer)
  int64_t best_trial = 0;    ///< 1-based trial of the run that found it
  double in_run_gflops = 0;  ///< as the tuner measured it
  double gflops = 0;         ///< re-measured side by side (the median of the passes); 0 when it
                             ///< failed or does not exist
  std::string error;         ///< why there is no figure
  std::vector<double> pass_gflops;  ///< per comparison pass (as gflops; -1: pass not measured)
};

struct WorkloadComparison {
  std::string workload;
  std::vector<ComparedEntry> entries;
  bool remeasured = false;  ///< false: only the tuners' figures (no comparison measured yet)
  int passes = 0;           ///< comparison passes measured (of the config's compare_passes)
  nlohmann::json machine;   ///< where it was re-measured
};

/// Compares every workload of the config, printing progress to `out`. A saved comparison that
/// still matches is used; a missing or stale one is measured when `measure`, else its entries
/// keep only the tuners' own figures (gflops 0, `remeasured` false).
std::vector<WorkloadComparison> compare_workloads(const ExperimentConfig &c,
                                                  const std::vector<RunSpec> &runs,
                                                  const std::string &runs_dir,
                                                  const std::string &out_dir, bool measure,
                                                  std::ostream &out);

}  // namespace worldtune::experiment
