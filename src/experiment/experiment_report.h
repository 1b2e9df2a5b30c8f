/// \file An experiment's results: `results.csv` (one row per run, checkpoint and peer),
/// `results.md` (per checkpoint a table of workloads x methods with geometric means; the trials
/// each method needs to reach the reference's share; where each method's tuning time went, read
/// from the runs' output) and `curves.png` (tuning curves, seeds as bands, peers as lines).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "experiment/experiment_compare.h"
#include "experiment/experiment_config.h"

namespace worldtune::experiment {

/// Trials a method needs for the geometric mean over workloads of its best so far (median over
/// seeds at each trial, as measured in the runs) to reach `level`; 0 when it never does. `curves`
/// holds, per workload, the seeds' best-so-far sequences; a sequence that ends early (the run
/// stopped) keeps its last value.
int64_t trials_to_reach(const std::vector<std::vector<std::vector<double>>> &curves, double level);

/// What a report is made of.
struct ReportInputs {
  const ExperimentConfig &config;
  const std::vector<RunSpec> &runs;
  std::string runs_dir;
  const std::vector<WorkloadComparison> &compared;
  const std::vector<std::string> &report_outputs;  ///< per config report, its command's output
};

/// Writes the three files into out_dir (and the markdown also to `markdown` unless empty, its
/// image link relative to it) and prints the markdown.
void write_report(const ReportInputs &in, const std::string &out_dir, const std::string &markdown,
                  std::ostream &out);

}  // namespace worldtune::experiment
