/// \file Measures batches of states for one workload: builds them in parallel, runs them one at
/// a time, checks new bests (or all) against the naive reference, and appends one record per
/// measurement. Ansor's ProgramMeasurer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/workload.h"
#include "measure/builder.h"
#include "measure/measure_options.h"
#include "measure/process_cleanup.h"
#include "measure/runner.h"
#include "schedule/state.h"
#include "search/hardware_params.h"
#include "worldtune/record.h"

namespace worldtune::measure {

class ProgramMeasurer {
 public:
  /// `writer` may be null (nothing recorded). Throws UserError(BadTarget) for a bad target.
  ProgramMeasurer(ir::Workload workload, MeasureOptions options, search::HardwareParams hw,
                  uint64_t seed, RecordWriter *writer);
  ~ProgramMeasurer();
  ProgramMeasurer(const ProgramMeasurer &) = delete;
  ProgramMeasurer &operator=(const ProgramMeasurer &) = delete;

  using Callback = std::function<void(size_t index, const MeasureResult &)>;
  std::vector<MeasureResult> measure(const std::vector<schedule::State> &states,
                                     const Callback &on_result = {});

  /// Measures a baseline (BuildInput::method other than Schedule) like a candidate: same build,
  /// run, check policy and record, the record naming the method instead of steps.
  MeasureResult measure_baseline(const BuildInput &input);

  /// Builds without running or recording: with `keep_artifacts`, a benchmark can then run the same
  /// builds many times, interleaved, through run_built().
  std::vector<BuildResult> build(const std::vector<BuildInput> &inputs) {
    return builder_->build(inputs);
  }
  /// Runs and checks one build (per the check policy); a failed build becomes its result. Not
  /// recorded.
  MeasureResult run_built(const BuildResult &b);

  double best_cost() const { return best_cost_; }
  /// The best cost known from elsewhere (a resumed run's records): only faster results count as
  /// new bests to check.
  void set_best_cost(double cost) { best_cost_ = cost; }
  const std::string &target() const { return target_; }
  const std::string &work_dir() const { return work_dir_; }
  /// Why outputs cannot be checked ("" when the reference is available or not yet needed).
  const std::string &reference_error() const { return reference_error_; }

 private:
  /// Path of the reference outputs, building them on first use; "" if unavailable.
  std::string reference();
  void append_record(const nlohmann::json &steps, const std::string &method,
                     const MeasureResult &r);

  ir::Workload workload_;
  MeasureOptions options_;
  search::HardwareParams hw_;
  uint64_t seed_;
  RecordWriter *writer_;
  std::string target_;
  std::string work_dir_;
  std::unique_ptr<TempWorkDir> temp_dir_;  ///< when no --work-dir was given
  std::unique_ptr<LocalBuilder> builder_;
  std::unique_ptr<LocalRunner> runner_;
  std::string reference_path_;
  std::string reference_error_;
  bool reference_tried_ = false;
  double best_cost_ = kFailedCost;
};

}  // namespace worldtune::measure
