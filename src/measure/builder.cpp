/// \file Parallel, isolated candidate builds.
#include "measure/builder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>

#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "measure/subprocess.h"
#include "schedule/halide_program.h"
#include "schedule/state.h"
#include "support/shell_command.h"
#include "worldtune/error.h"

namespace worldtune::measure {

namespace {

std::string quote(const std::string &s) { return "'" + s + "'"; }

std::string run_compiler(const std::string &cmd, const std::string &log, const std::string &what) {
  return run_shell_command(cmd, log, what);
}

/// Links an object into a shared object; returns an error message or "".
std::string link_shared(const std::string &obj, const std::string &so) {
  return run_compiler("cc -shared -o " + quote(so) + " " + quote(obj), so + ".log", "linking");
}

/// The child's answer: "<error code>\n<message>".
std::string encode(MeasureErrorCode code, const std::string &msg) {
  return std::to_string(static_cast<int>(code)) + "\n" + msg;
}

/// Compiles a oneDNN kernel source into a shared object; returns an error message or "".
std::string compile_onednn(const std::string &source, const std::string &base) {
  std::string cpp = base + ".cpp", so = base + ".so";
  {
    std::ofstream out(cpp);
    out << source;
    if (!out) return "cannot write '" + cpp + "'";
  }
  // -fopenmp: the Debian oneDNN runs on OpenMP, and the kernel sets its thread count.
  std::string err = run_compiler("c++ -std=c++17 -O2 -shared -fPIC -fopenmp -I" +
                                     quote(halide_backend::runtime_include_dir()) + " -o " +
                                     quote(so) + " " + quote(cpp) + " -ldnnl",
                                 base + ".log", "compiling the oneDNN kernel");
  ::unlink(cpp.c_str());
  return err;
}

std::string build_one(const BuildInput &in, const std::string &target, int parallelism,
                      const std::string &base) {
  if (in.method == BuildMethod::OneDnn) {
    std::string err = compile_onednn(in.source, base);
    return encode(err.empty() ? MeasureErrorCode::NoError : MeasureErrorCode::CompileHost, err);
  }
  schedule::HalideProgram program;
  try {
    if (in.method == BuildMethod::Schedule) {
      schedule::State s = schedule::State::replay(in.dag, in.steps);
      program = schedule::lower_to_halide(s);
    } else {
      program = schedule::naive_halide_program(in.dag);
    }
  } catch (const std::exception &e) {
    return encode(MeasureErrorCode::Instantiation, e.what());
  }
  std::string obj = base + ".o", so = base + ".so";
  halide_backend::CompileOutcome o;
  if (in.method == BuildMethod::Adams2019 || in.method == BuildMethod::Mullapudi2016) {
    auto a = in.method == BuildMethod::Adams2019 ? halide_backend::Autoscheduler::Adams2019
                                                 : halide_backend::Autoscheduler::Mullapudi2016;
    o = halide_backend::compile_autoscheduled_object(program, a, parallelism, obj, kKernelName,
                                                     target);
  } else {
    o = halide_backend::compile_to_object(program, obj, kKernelName, target);
  }
  if (o.failed == halide_backend::FailedPhase::Instantiate)
    return encode(MeasureErrorCode::Instantiation, o.message);
  if (o.failed == halide_backend::FailedPhase::Compile)
    return encode(MeasureErrorCode::CompileHost, o.message);
  std::string err = link_shared(obj, so);
  ::unlink(obj.c_str());
  if (!err.empty()) return encode(MeasureErrorCode::CompileHost, err);
  return encode(MeasureErrorCode::NoError, "");
}

std::string cache_dir() {
  const char *xdg = std::getenv("XDG_CACHE_HOME");
  const char *home = std::getenv("HOME");
  std::string base = xdg && *xdg ? xdg : (home && *home ? std::string(home) + "/.cache" : "/tmp");
  return base + "/worldtune";
}

int host_cores() { return static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN))); }

}  // namespace

std::string build_candidate_command(const nlohmann::json &request) {
  BuildInput in;
  in.dag = ir::parse_workload(request.at("workload").get<std::string>()).dag;
  in.steps = schedule::steps_from_json(request.at("steps"));
  std::string method = request.at("method").get<std::string>();
  bool known = false;
  for (int m = 0; m <= static_cast<int>(BuildMethod::OneDnn); ++m) {
    if (method != build_method_name(static_cast<BuildMethod>(m))) continue;
    in.method = static_cast<BuildMethod>(m);
    known = true;
  }
  WT_ASSERT(known, "unknown build method '" << method << "' in a worker request");
  in.source = request.at("source").get<std::string>();
  return build_one(in, request.at("target").get<std::string>(),
                   request.at("parallelism").get<int>(), request.at("base").get<std::string>());
}

std::string build_runtime_command(const nlohmann::json &request) {
  std::string out = request.at("out").get<std::string>();
  halide_backend::compile_runtime_object(out + ".o", request.at("target").get<std::string>());
  std::string err = link_shared(out + ".o", out);
  ::unlink((out + ".o").c_str());
  return err;
}

const char *build_method_name(BuildMethod method) {
  static constexpr const char *kNames[] = {"schedule", "naive", "halide-adams2019",
                                           "halide-mullapudi2016", "onednn"};  // enum order
  static_assert(std::size(kNames) == static_cast<size_t>(BuildMethod::OneDnn) + 1);
  return kNames[static_cast<int>(method)];
}

LocalBuilder::LocalBuilder(const MeasureOptions &options, std::string artifact_dir)
    : options_(options), dir_(std::move(artifact_dir)) {}

std::vector<BuildResult> LocalBuilder::build(const std::vector<BuildInput> &inputs) {
  std::vector<WorkerJob> jobs;
  std::vector<std::string> bases;
  // The cores the kernel will run on: what an autoscheduler should plan its parallelism for.
  int cores = options_.threads > 0 ? options_.threads : host_cores();
  for (const BuildInput &in : inputs) {
    WT_ASSERT(!in.dag->workload_key().empty(),
              "only DAGs parsed from a workload key can be built in a worker");
    std::string base =
        dir_ + "/cand_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++);
    bases.push_back(base);
    nlohmann::json request = {{"workload", in.dag->workload_key()},
                              {"steps", schedule::steps_to_json(in.steps)},
                              {"method", build_method_name(in.method)},
                              {"source", in.source},
                              {"target", options_.target},
                              {"parallelism", cores},
                              {"base", base}};
    jobs.push_back({WorkerKind::Build, "build", request.dump()});
  }
  int parallel = options_.build_parallel > 0 ? options_.build_parallel : host_cores();
  std::vector<ChildResult> children =
      run_workers(jobs, parallel, options_.build_timeout_s, options_.memory_cap_bytes());
  std::vector<BuildResult> out;
  for (size_t i = 0; i < children.size(); ++i) {
    const ChildResult &c = children[i];
    BuildResult r;
    r.seconds = c.seconds;
    if (c.timed_out) {
      r.error = MeasureErrorCode::BuildTimeout;
      r.message = "build killed after " + std::to_string(options_.build_timeout_s) + " s";
    } else if (c.signal != 0 || c.exit_code != 0) {
      r.error = MeasureErrorCode::CompileHost;
      r.message = "build process " + describe_exit(c) + (c.output.empty() ? "" : ": " + c.output);
    } else {
      size_t nl = c.output.find('\n');
      int code = std::atoi(c.output.substr(0, nl).c_str());
      r.error = static_cast<MeasureErrorCode>(code);
      r.message = nl == std::string::npos ? "" : c.output.substr(nl + 1);
      if (r.error == MeasureErrorCode::NoError) r.so_path = bases[i] + ".so";
    }
    out.push_back(r);
  }
  return out;
}

std::string ensure_runtime(const std::string &target) {
  std::string canonical = halide_backend::canonical_target_string(target);
  std::string dir = cache_dir();
  std::filesystem::create_directories(dir);
  std::string so =
      dir + "/halide14_runtime_" + std::to_string(std::hash<std::string>{}(canonical)) + ".so";
  if (std::filesystem::exists(so)) return so;
  std::string tmp = so + ".tmp" + std::to_string(::getpid());
  nlohmann::json request = {{"target", canonical}, {"out", tmp}};
  const ChildResult c = run_workers({{WorkerKind::Build, "runtime", request.dump()}}, 1, 300, 0)[0];
  WT_USER_CHECK(!c.timed_out && c.signal == 0 && c.exit_code == 0 && c.output.empty() &&
                    std::filesystem::exists(tmp),
                BadTarget,
                "cannot build the Halide runtime for target '"
                    << canonical << "': " << describe_exit(c) << " " << c.output);
  std::filesystem::rename(tmp, so);
  return so;
}

}  // namespace worldtune::measure
