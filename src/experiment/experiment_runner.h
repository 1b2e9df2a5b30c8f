/// \file `worldtune experiment`: runs what an experiment still lacks and writes its results.
///
/// An experiment folder holds one records file per run (`runs/<id>.jsonl`, written by `tune`, with
/// the run's identity in `<id>.spec.json` and a `<id>.done` mark once its budget is spent), the
/// side-by-side re-measurement of each workload (`compare/<workload>.json`) and the results
/// (`results.csv`, `results.md`, `curves.png`). Every step is skipped when its output is there
/// and still matches the config, so an interrupted experiment continues where it stopped and a
/// finished one only rewrites its tables.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "experiment/experiment_config.h"

namespace worldtune::experiment {

/// Runs a command, appending its output to `log`, and returns its exit code: `worldtune ARGS`
/// (the runs' `tune`, a report's subcommand), or the executable args[0] when it holds a '/'.
using Launcher = std::function<int(const std::vector<std::string> &args, const std::string &log)>;

struct ExperimentOptions {
  std::string out_dir;
  /// Move the records of runs whose identity changed to `invalidated/` and run them again; without
  /// it such a config is refused, naming the runs and what changed.
  bool discard_invalidated = false;
  /// Re-measure the bests side by side where no saved comparison matches (else such workloads'
  /// tables show the tuners' own figures, and say so).
  bool compare = true;
  /// At the end, compress every run's records to `<id>.jsonl.xz` (what a committed experiment
  /// holds; a later run with a larger budget unpacks them to continue).
  bool pack = false;
  /// Take runs the experiment has not started from these folders (the first holding the run is
  /// asked; later experiments gather the runs of several earlier ones): `<run id>.jsonl`, or
  /// `<method>_<workload slug>.jsonl` as bench/tune_bench.sh names them (a folder per seed), made
  /// by `tune`; copied in when their run settings and measurement settings are the run's, anything
  /// else is said and left alone.
  std::vector<std::string> adopt_dirs;
  /// Also write the markdown here (its image link made relative to it), e.g. docs/results.md.
  std::string markdown;
};

/// What a run's folder says about it.
enum class RunState { Missing, Partial, Finished, Invalidated };

/// The state of `run` in `runs_dir`; `why` says what changed for an invalidated run.
RunState run_state(const ExperimentConfig &c, const RunSpec &run, const std::string &runs_dir,
                   std::string *why);

/// Prints each run and its state (and what changed for an invalidated one), and the trials
/// left: what run_experiment would do, doing nothing.
void print_plan(const ExperimentConfig &c, const ExperimentOptions &o, std::ostream &out);

/// Runs the experiment. Throws UserError when the config invalidates recorded runs (unless
/// discard_invalidated) or a run fails; what was recorded before stays.
void run_experiment(const ExperimentConfig &c, const ExperimentOptions &o, const Launcher &launch,
                    std::ostream &out);

}  // namespace worldtune::experiment
