/// \file Isolated candidate runs: each run is a request to a fresh worldtune-run-worker
/// (run_worker.cpp does the timing), so a crash, hang or memory blow-up is a result.
#include "measure/runner.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "measure/subprocess.h"
#include "worldtune/error.h"

namespace worldtune::measure {

namespace {

using nlohmann::json;

int timing_threads(const MeasureOptions &o) {
  return o.threads > 0 ? o.threads : static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
}

/// What every run-worker request holds: the program (by workload key), the candidate, the
/// runtime, the threads and the inputs' seed.
json base_request(const ir::ComputeDAG &dag, const std::string &so_path,
                  const std::string &runtime_so, int threads, uint64_t input_seed) {
  WT_ASSERT(!dag.workload_key().empty(), "only DAGs parsed from a workload key can be measured");
  return {{"workload", dag.workload_key()},
          {"so", so_path},
          {"runtime", runtime_so},
          {"threads", threads},
          {"input_seed", input_seed}};
}

ChildResult run_worker(const std::string &command, const json &request, double timeout_s,
                       const MeasureOptions &o) {
  WorkerJob job{WorkerKind::Run, command, request.dump()};
  return run_workers({job}, 1, timeout_s, o.memory_cap_bytes())[0];
}

}  // namespace

LocalRunner::LocalRunner(const MeasureOptions &options, std::string runtime_so)
    : options_(options), runtime_so_(std::move(runtime_so)) {}

MeasureResult LocalRunner::run_child(const ir::ComputeDAG &dag, const std::string &so_path,
                                     const std::string &reference_path, bool time_it) const {
  const MeasureOptions &o = options_;
  json request = base_request(dag, so_path, runtime_so_, timing_threads(o), o.input_seed);
  request.update({{"time", time_it},
                  {"number", o.number},
                  {"repeat", o.repeat},
                  {"min_repeat_ms", o.min_repeat_ms},
                  {"cache_flush", o.cache_flush},
                  {"reference", reference_path}});
  ChildResult c = run_worker("run", request, o.run_timeout_s, o);
  MeasureResult r;
  r.run_s = c.seconds;
  r.costs = {kFailedCost};
  if (c.timed_out) {
    r.error = MeasureErrorCode::RunTimeout;
    r.error_msg = "run killed after " + std::to_string(o.run_timeout_s) + " s";
    return r;
  }
  if (c.exit_code == -1) {
    r.error = MeasureErrorCode::Unknown;
    r.error_msg = "the run process " + describe_exit(c);
    return r;
  }
  if (c.signal != 0 || c.exit_code != 0) {
    r.error = MeasureErrorCode::RuntimeDevice;
    r.error_msg = "the candidate " + describe_exit(c) + (c.output.empty() ? "" : ": " + c.output);
    return r;
  }
  json j = json::parse(c.output, nullptr, false);
  if (j.is_discarded() || !j.contains("error") || !j["error"].is_number_integer() ||
      j["error"].get<int>() < 0 || j["error"].get<int>() > 8) {
    r.error = MeasureErrorCode::Unknown;
    r.error_msg = "unreadable runner output: " + c.output.substr(0, 200);
    return r;
  }
  r.error = static_cast<MeasureErrorCode>(j["error"].get<int>());
  r.error_msg = j.value("msg", "");
  if (r.ok() && j.contains("costs")) r.costs = j["costs"].get<std::vector<double>>();
  r.checked = j.value("checked", false);
  return r;
}

MeasureResult LocalRunner::run(const ir::ComputeDAG &dag, const std::string &so_path,
                               const std::string &reference_path) const {
  return run_child(dag, so_path, reference_path, true);
}

MeasureResult LocalRunner::verify(const ir::ComputeDAG &dag, const std::string &so_path,
                                  const std::string &reference_path) const {
  return run_child(dag, so_path, reference_path, false);
}

std::string LocalRunner::write_reference(const ir::ComputeDAG &dag, const std::string &so_path,
                                         const std::string &reference_path,
                                         double timeout_s) const {
  json request = base_request(dag, so_path, runtime_so_, 1, options_.input_seed);
  request["out"] = reference_path;
  ChildResult c = run_worker("reference", request, timeout_s, options_);
  if (c.timed_out || c.signal != 0 || c.exit_code != 0)
    return "the reference run " + describe_exit(c) + " " + c.output;
  return c.output;
}

}  // namespace worldtune::measure
