/// \file The config of `worldtune experiment`: workloads, methods (cost models and how they are
/// loaded), seeds, the trial budget, the checkpoints at which bests are compared, peers and the
/// measurement settings; and the runs it expands to. A small JSON file (format in
/// docs/file_formats.md); unknown keys are refused by name, so a typo never silently falls back
/// to a default.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace worldtune::experiment {

/// The config format this build reads.
inline constexpr const char *kExperimentFormat = "worldtune-experiment-1";

/// One method: a cost model and how `tune` runs it.
struct MethodSpec {
  std::string name;                        ///< column name in tables and legends: "xgb-pretrained"
  std::string cost_model;                  ///< a registered cost model
  std::string load_model;                  ///< --load-model ("": none)
  std::vector<std::string> model_options;  ///< NAME=VALUE
  bool no_warmup = false;
  double local_share = 0;       ///< tune --local-share (0: Ansor's search)
  int64_t per_round = 64;       ///< tune --per-round (Ansor's 64), capped by the budget
  int64_t trials = 0;           ///< this method's budget per run (0: the experiment's)
  std::vector<uint64_t> seeds;  ///< this method's seeds (empty: the experiment's)
  /// file_digest of the weights its runs start from ("": none). Set by the CLI, which knows the
  /// cost models' shipped weights; part of each run's identity.
  std::string model_digest;
};

struct ExperimentConfig {
  std::string path;                    ///< the file it came from
  std::vector<std::string> workloads;  ///< canonical keys
  std::vector<MethodSpec> methods;
  std::vector<uint64_t> seeds = {1};
  int64_t trials = 64;               ///< budget per run (one workload, one method, one seed)
  std::vector<int64_t> checkpoints;  ///< trial counts whose bests are re-measured (default: trials)
  std::vector<std::string> peers;    ///< baseline methods re-measured beside them
  int compare_rounds = 5;            ///< interleaved rounds of the side-by-side re-measurement
  int compare_passes = 1;  ///< comparisons of every workload, one after another; figures: median
  std::string reference;   ///< method whose best at its full budget others must reach ("": none)
  double reference_share = 0.978;  ///< the share of the reference's geomean to reach
  /// Commands whose output the report includes under a title (ranking metrics, throughput
  /// benchmarks): run once, rerun only when the command changes.
  struct Report {
    std::string title;
    std::vector<std::string> command;  ///< worldtune's arguments, or an executable and its own
  };
  std::vector<Report> reports;
  /// A claim the report checks against the measured figures: the geometric mean of `method`'s
  /// bests after `checkpoint` trials over that of `over` after `over_checkpoint`, against `target`
  /// (e.g. the seed paper's 1.54x over Ansor at 64 trials). Both checkpoints are tabled ones.
  struct Claim {
    std::string claim;   ///< what is claimed, in words
    std::string source;  ///< who claims it: "seed paper, Table 2"
    std::string method, over;
    int64_t checkpoint = 0, over_checkpoint = 0;
    double target = 0;
  };
  std::vector<Claim> claims;
  /// Paragraphs the report prints after the claims: what the figures alone do not say (e.g. where
  /// repeated comparisons of the same runs are kept).
  std::vector<std::string> notes;
  /// `tune` measurement flags ("--min-repeat-ms", "100", ...), from the config's "measure".
  std::vector<std::string> measure_flags;
  nlohmann::json measure = nlohmann::json::object();  ///< as written, for run identities
};

/// Reads and checks a config; `cost_models` are the names a method may use. Throws
/// UserError(BadArgument) naming the file and the key that is unknown, missing or of the wrong
/// type, an unknown cost model or peer, or a bad workload key (BadWorkload).
ExperimentConfig read_experiment_config(const std::string &path,
                                        const std::vector<std::string> &cost_models);

/// One tuning run: a workload tuned by a method with a seed.
struct RunSpec {
  std::string id;  ///< file name stem: "<method>_s<seed>_<workload slug>"
  std::string workload;
  const MethodSpec *method = nullptr;
  uint64_t seed = 0;
  int64_t trials = 0;
  /// What the run's results depend on (all but the budget): a finished run whose identity
  /// changed is invalidated; a larger budget only continues it.
  nlohmann::json identity(const ExperimentConfig &c) const;
  /// The run's records in `runs_dir`: `<id>.jsonl`, else `<id>.jsonl.xz` when only that is there
  /// (a finished run packed for committing), else the `.jsonl` to write.
  std::string records_file(const std::string &runs_dir) const;
  /// The `worldtune tune` arguments of the run, writing to `records`.
  std::vector<std::string> tune_args(const ExperimentConfig &c, const std::string &records,
                                     bool resume) const;
};

/// A method's budget per run: its own, else the experiment's.
inline int64_t budget_of(const ExperimentConfig &c, const MethodSpec &m) {
  return m.trials > 0 ? m.trials : c.trials;
}

/// Every run of the config: workloads x methods x seeds, in that order.
std::vector<RunSpec> plan_runs(const ExperimentConfig &c);

}  // namespace worldtune::experiment
