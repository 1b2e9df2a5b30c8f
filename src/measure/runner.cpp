/// \file Isolated candidate runs.
#include "measure/runner.h"

#include <HalideRuntime.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ir/interpreter.h"
#include "measure/builder.h"
#include "measure/subprocess.h"

namespace worldtune::measure {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string g_halide_error;  // written by the runtime's error handler inside the child

void capture_error(void *, const char *msg) {
  if (g_halide_error.size() < 4000) g_halide_error += msg;
}

/// Halide's generated code may use aligned vector loads and stores: buffers are aligned as
/// Halide::Runtime::Buffer aligns them (128 bytes), or vectorized kernels crash.
template <typename T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U> &) {}  // NOLINT
  T *allocate(size_t n) {
    size_t bytes = (n * sizeof(T) + 127) / 128 * 128;
    void *p = std::aligned_alloc(128, std::max<size_t>(bytes, 128));
    if (!p) throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  bool operator==(const AlignedAllocator &) const { return true; }
};
using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

/// The loaded candidate with its argument buffers (inside the child process).
struct LoadedKernel {
  int (*argv_fn)(void **) = nullptr;
  std::vector<AlignedFloats> data;  // inputs then outputs
  std::vector<std::vector<halide_dimension_t>> dims;
  std::vector<halide_buffer_t> buffers;
  std::vector<void *> args;
  std::vector<int> outputs;  // op ids, in argument order after the inputs
};

std::string load(const std::string &runtime_so, const std::string &so, int threads,
                 const ir::ComputeDAG &dag, uint64_t seed, LoadedKernel *k) {
  void *rt = ::dlopen(runtime_so.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!rt) return std::string("cannot load the Halide runtime: ") + ::dlerror();
  using SetHandler = halide_error_handler_t (*)(halide_error_handler_t);
  using SetThreads = int (*)(int);
  auto set_handler = reinterpret_cast<SetHandler>(::dlsym(rt, "halide_set_error_handler"));
  auto set_threads = reinterpret_cast<SetThreads>(::dlsym(rt, "halide_set_num_threads"));
  if (!set_handler || !set_threads) return "the Halide runtime lacks its entry points";
  set_handler(capture_error);
  set_threads(threads);
  void *h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) return std::string("cannot load the candidate: ") + ::dlerror();
  k->argv_fn =
      reinterpret_cast<int (*)(void **)>(::dlsym(h, (std::string(kKernelName) + "_argv").c_str()));
  if (!k->argv_fn) return "the candidate has no entry point";
  using SetKernelThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetKernelThreads>(::dlsym(h, kSetThreadsName))) set(threads);
  std::vector<std::vector<float>> inputs = ir::random_inputs(dag, seed);
  std::vector<int> ids = dag.placeholders();
  for (int o : dag.outputs()) {
    ids.push_back(o);
    k->outputs.push_back(o);
  }
  for (int id : ids) {
    const ir::Op &op = dag.op(id);
    if (op.is_placeholder)
      k->data.emplace_back(inputs[id].begin(), inputs[id].end());
    else
      k->data.emplace_back(op.num_elements(), NAN);
    std::vector<halide_dimension_t> d;
    int32_t stride = 1;
    for (size_t i = op.axes.size(); i-- > 0;) {
      d.push_back(halide_dimension_t(0, static_cast<int32_t>(op.axes[i].extent), stride));
      stride *= static_cast<int32_t>(op.axes[i].extent);
    }
    k->dims.push_back(d);
  }
  k->buffers.resize(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    halide_buffer_t &b = k->buffers[i];
    b = halide_buffer_t();
    b.host = reinterpret_cast<uint8_t *>(k->data[i].data());
    b.type = halide_type_t(halide_type_float, 32);
    b.dimensions = static_cast<int32_t>(k->dims[i].size());
    b.dim = k->dims[i].data();
    k->args.push_back(&b);
  }
  return "";
}

json failure(MeasureErrorCode code, const std::string &msg) {
  return {{"error", static_cast<int>(code)}, {"msg", msg}};
}

/// Compares the outputs with the reference file; "" when they match.
std::string compare(const LoadedKernel &k, const ir::ComputeDAG &dag, const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read the reference outputs '" + path + "'";
  size_t first_out = k.data.size() - k.outputs.size();
  for (size_t o = 0; o < k.outputs.size(); ++o) {
    const AlignedFloats &got = k.data[first_out + o];
    std::vector<float> ref(got.size());
    in.read(reinterpret_cast<char *>(ref.data()), static_cast<std::streamsize>(ref.size() * 4));
    if (!in) return "the reference outputs '" + path + "' are truncated";
    double scale = 0;
    for (float r : ref) scale = std::max(scale, std::fabs(static_cast<double>(r)));
    double atol = 1e-5 * std::max(1.0, scale);
    for (size_t i = 0; i < got.size(); ++i) {
      double g = got[i], r = ref[i];
      if (!(std::fabs(g - r) <= atol + 1e-3 * std::fabs(r))) {
        std::ostringstream os;
        os << "output " << dag.op(k.outputs[o]).name << " differs from the reference at element "
           << i << ": got " << g << ", expected " << r;
        return os.str();
      }
    }
  }
  return "";
}

void flush_cache() {
  static std::vector<char> junk(64 << 20);
  static char v = 0;
  ++v;
  std::memset(junk.data(), v, junk.size());
}

}  // namespace

LocalRunner::LocalRunner(const MeasureOptions &options, std::string runtime_so)
    : options_(options), runtime_so_(std::move(runtime_so)) {}

MeasureResult LocalRunner::run_child(const ir::ComputeDAG &dag, const std::string &so_path,
                                     const std::string &reference_path, bool time_it) const {
  MeasureOptions o = options_;
  int threads = o.threads > 0 ? o.threads : static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  std::string runtime = runtime_so_;
  ChildJob job = [&, threads, runtime]() -> std::string {
    LoadedKernel k;
    std::string err = load(runtime, so_path, threads, dag, o.input_seed, &k);
    if (!err.empty()) return failure(MeasureErrorCode::CompileDevice, err).dump();
    auto once = [&]() -> bool { return k.argv_fn(k.args.data()) == 0; };
    auto warm0 = Clock::now();
    if (!once()) return failure(MeasureErrorCode::RuntimeDevice, g_halide_error).dump();
    double warm_ms = std::chrono::duration<double, std::milli>(Clock::now() - warm0).count();
    json out = {{"error", 0}};
    if (time_it) {
      int number = o.cache_flush ? 1 : std::max(1, o.number);
      double min_ms = o.cache_flush ? 0 : o.min_repeat_ms;
      // A candidate whose warm-up alone lasts min_repeat_ms needs fewer runs per repeat: slow
      // candidates then cost seconds, not tens of seconds (and do not hit the run timeout).
      if (warm_ms > 0)
        number = std::clamp(static_cast<int>(std::ceil(min_ms / warm_ms)), 1, number);
      std::vector<double> costs;
      for (int r = 0; r < std::max(1, o.repeat); ++r) {
        while (true) {
          double total = 0;
          for (int i = 0; i < number; ++i) {
            if (o.cache_flush) flush_cache();
            auto t0 = Clock::now();
            if (!once()) return failure(MeasureErrorCode::RuntimeDevice, g_halide_error).dump();
            total += std::chrono::duration<double>(Clock::now() - t0).count();
          }
          double ms = total * 1e3;
          if (ms >= min_ms) {
            costs.push_back(total / number);
            break;
          }
          double per_run_ms = std::max(ms / number, 1e-6);
          number =
              static_cast<int>(std::min(1e8, std::max(min_ms / per_run_ms + 1, number * 1.618)));
        }
      }
      out["costs"] = costs;
    }
    if (!reference_path.empty()) {
      std::string mismatch = compare(k, dag, reference_path);
      if (!mismatch.empty()) return failure(MeasureErrorCode::WrongAnswer, mismatch).dump();
      out["checked"] = true;
    }
    return out.dump();
  };
  ChildResult c = run_isolated({job}, 1, o.run_timeout_s)[0];
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
    r.error_msg = "the run process could not be started: " + c.output;
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
  int threads = 1;
  std::string runtime = runtime_so_;
  uint64_t seed = options_.input_seed;
  ChildJob job = [&, threads, runtime, seed]() -> std::string {
    LoadedKernel k;
    std::string err = load(runtime, so_path, threads, dag, seed, &k);
    if (!err.empty()) return err;
    if (k.argv_fn(k.args.data()) != 0) return "the reference failed: " + g_halide_error;
    std::string tmp = reference_path + ".tmp";
    std::ofstream out(tmp, std::ios::binary);
    size_t first_out = k.data.size() - k.outputs.size();
    for (size_t i = first_out; i < k.data.size(); ++i)
      out.write(reinterpret_cast<const char *>(k.data[i].data()),
                static_cast<std::streamsize>(k.data[i].size() * 4));
    out.close();
    if (!out || std::rename(tmp.c_str(), reference_path.c_str()) != 0)
      return "cannot write the reference outputs";
    return "";
  };
  ChildResult c = run_isolated({job}, 1, timeout_s)[0];
  if (c.timed_out || c.signal != 0 || c.exit_code != 0)
    return "the reference run " + describe_exit(c) + " " + c.output;
  return c.output;
}

}  // namespace worldtune::measure
