/// \file The builder: compiles candidates into small shared objects in parallel worker
/// processes, each under a build timeout (ansor-on-halide.md §5, design-hints.md 1-2).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/compute_dag.h"
#include "measure/measure_options.h"
#include "schedule/transform_step.h"
#include "worldtune/measure_result.h"

namespace worldtune::measure {

/// Entry point name of every candidate (and `_argv` variant).
inline constexpr const char *kKernelName = "wt_kernel";

struct BuildInput {
  std::shared_ptr<const ir::ComputeDAG> dag;  ///< the workload's initial DAG
  std::vector<schedule::Step> steps;
  bool naive_reference = false;  ///< build the naive reference schedule instead of `steps`
};

struct BuildResult {
  std::string so_path;
  MeasureErrorCode error = MeasureErrorCode::NoError;
  std::string message;
  double seconds = 0;
};

class LocalBuilder {
 public:
  LocalBuilder(const MeasureOptions &options, std::string artifact_dir);
  std::vector<BuildResult> build(const std::vector<BuildInput> &inputs);

 private:
  MeasureOptions options_;
  std::string dir_;
  int counter_ = 0;
};

/// The Halide runtime for a target as a shared object, compiled once and cached under
/// $XDG_CACHE_HOME/worldtune (or ~/.cache/worldtune). Throws UserError(BadTarget) on failure.
std::string ensure_runtime(const std::string &target);

}  // namespace worldtune::measure
