/// \file Build-then-run measurement of one workload's candidates.
#include "measure/program_measurer.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "halide/halide_backend.h"
#include "support/machine.h"
#include "worldtune/error.h"
#include "worldtune/version.h"

namespace worldtune::measure {

ProgramMeasurer::ProgramMeasurer(ir::Workload workload, MeasureOptions options,
                                 search::HardwareParams hw, uint64_t seed, RecordWriter *writer)
    : workload_(std::move(workload)),
      options_(std::move(options)),
      hw_(hw),
      seed_(seed),
      writer_(writer) {
  target_ = halide_backend::canonical_target_string(options_.target);
  options_.target = target_;
  if (options_.work_dir.empty() && !options_.keep_artifacts) {
    temp_dir_ = std::make_unique<TempWorkDir>();
    work_dir_ = temp_dir_->path();
  } else if (options_.work_dir.empty()) {  // kept artifacts: a folder no cleanup touches
    char tmpl[] = "/tmp/worldtune-artifacts-XXXXXX";
    WT_USER_CHECK(::mkdtemp(tmpl) != nullptr, Io, "cannot create a work directory in /tmp");
    work_dir_ = tmpl;
  } else {
    work_dir_ = options_.work_dir;
    std::filesystem::create_directories(work_dir_);
  }
  builder_ = std::make_unique<LocalBuilder>(options_, work_dir_);
  runner_ = std::make_unique<LocalRunner>(options_, ensure_runtime(target_));
}

ProgramMeasurer::~ProgramMeasurer() = default;

std::string ProgramMeasurer::reference() {
  if (reference_tried_) return reference_path_;
  reference_tried_ = true;
  std::string path = work_dir_ + "/reference_" + std::to_string(options_.input_seed) + ".bin";
  BuildInput in{workload_.dag, {}, BuildMethod::Naive, ""};
  BuildResult b = builder_->build({in})[0];
  if (!b.so_path.empty()) {
    double timeout = std::max(120.0, 10 * options_.run_timeout_s);
    reference_error_ = runner_->write_reference(*workload_.dag, b.so_path, path, timeout);
    if (!options_.keep_artifacts) {
      std::error_code ec;
      std::filesystem::remove(b.so_path, ec);
    }
  } else {
    reference_error_ = "building the reference failed: " + b.message;
  }
  if (reference_error_.empty()) {
    reference_path_ = path;
  } else {
    std::fprintf(stderr, "warning: outputs cannot be checked: %s\n", reference_error_.c_str());
  }
  return reference_path_;
}

MeasureResult ProgramMeasurer::run_built(const BuildResult &b) {
  MeasureResult r;
  if (b.error != MeasureErrorCode::NoError) {
    r.costs = {kFailedCost};
    r.error = b.error;
    r.error_msg = b.message;
  } else {
    std::string ref = options_.check == CheckPolicy::All ? reference() : "";
    r = runner_->run(*workload_.dag, b.so_path, ref);
    if (r.ok() && options_.check == CheckPolicy::NewBest && r.mean_cost() < best_cost_) {
      std::string new_ref = reference();
      if (!new_ref.empty()) {
        MeasureResult v = runner_->verify(*workload_.dag, b.so_path, new_ref);
        r.run_s += v.run_s;
        if (!v.ok()) {
          r.error = v.error;
          r.error_msg = v.error_msg;
          r.costs = {kFailedCost};
        }
        r.checked = v.checked;
      }
    }
    if (!options_.keep_artifacts) {
      std::error_code ec;
      std::filesystem::remove(b.so_path, ec);
    }
  }
  r.build_s = b.seconds;
  r.timestamp = static_cast<int64_t>(std::time(nullptr));
  return r;
}

void ProgramMeasurer::append_record(const nlohmann::json &steps, const std::string &method,
                                    const MeasureResult &r) {
  if (!writer_) return;
  MeasureRecord rec;
  rec.workload = workload_.key;
  rec.target = target_;
  rec.machine = machine_json(host_machine(), target_);
  rec.hardware = search::to_json(hw_);
  rec.steps = steps;
  rec.result = r;
  rec.measure = {{"number", options_.number},
                 {"repeat", options_.repeat},
                 {"min_repeat_ms", options_.min_repeat_ms},
                 {"cache_flush", options_.cache_flush},
                 {"threads", options_.threads > 0 ? options_.threads : hw_.num_cores},
                 {"input_seed", options_.input_seed}};
  rec.seed = seed_;
  rec.tuner_version = kWorldtuneVersion;
  rec.method = method;
  writer_->append(rec);
}

std::vector<MeasureResult> ProgramMeasurer::measure(const std::vector<schedule::State> &states,
                                                    const Callback &on_result) {
  std::vector<BuildInput> inputs;
  for (const schedule::State &s : states)
    inputs.push_back({workload_.dag, s.steps(), BuildMethod::Schedule, ""});
  std::vector<BuildResult> built = builder_->build(inputs);
  std::vector<MeasureResult> results;
  for (size_t i = 0; i < states.size(); ++i) {
    MeasureResult r = run_built(built[i]);
    if (r.ok()) best_cost_ = std::min(best_cost_, r.mean_cost());
    append_record(schedule::steps_to_json(states[i].steps()), "", r);
    if (on_result) on_result(i, r);
    results.push_back(r);
  }
  return results;
}

MeasureResult ProgramMeasurer::measure_baseline(const BuildInput &input) {
  WT_ASSERT(input.method != BuildMethod::Schedule, "a tuned schedule is measured by measure()");
  // A baseline is not a candidate of the search: it neither sets nor competes with best_cost_.
  MeasureResult r = run_built(builder_->build({input})[0]);
  append_record(nlohmann::json::array(), build_method_name(input.method), r);
  return r;
}

}  // namespace worldtune::measure
