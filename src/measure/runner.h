/// \file The runner: runs one candidate at a time in an isolated process with a timeout; warm-up,
/// then number x repeat timed runs with min_repeat_ms (TVM's time_evaluator semantics), optional
/// cache flush, fixed thread count, random inputs, and an optional check against the reference.
#pragma once

#include <memory>
#include <string>

#include "ir/compute_dag.h"
#include "measure/measure_options.h"
#include "worldtune/measure_result.h"

namespace worldtune::measure {

class LocalRunner {
 public:
  LocalRunner(const MeasureOptions &options, std::string runtime_so);

  /// Times a built candidate; with `reference_path` nonempty, also compares its outputs.
  MeasureResult run(const ir::ComputeDAG &dag, const std::string &so_path,
                    const std::string &reference_path) const;
  /// Runs once and compares with the reference (a new best's check).
  MeasureResult verify(const ir::ComputeDAG &dag, const std::string &so_path,
                       const std::string &reference_path) const;
  /// Runs the (naive) program once and writes its outputs to `reference_path`; "" on success,
  /// else why it failed.
  std::string write_reference(const ir::ComputeDAG &dag, const std::string &so_path,
                              const std::string &reference_path, double timeout_s) const;

 private:
  MeasureResult run_child(const ir::ComputeDAG &dag, const std::string &so_path,
                          const std::string &reference_path, bool time_it) const;
  MeasureOptions options_;
  std::string runtime_so_;
};

}  // namespace worldtune::measure
