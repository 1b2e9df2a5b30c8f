/// \file The run worker: loads a candidate next to the Halide runtime, fills its buffers with the
/// seeded random inputs, times it (warm-up, number x repeat with min_repeat_ms, optional cache
/// flush) and compares its outputs with the reference. Runs inside worldtune-run-worker only.
#include "measure/run_worker.h"

#include <HalideRuntime.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>

#include "ir/interpreter.h"
#include "ir/workload.h"
#include "measure/buffer_placement.h"
#include "measure/kernel_abi.h"
#include "worldtune/measure_result.h"

namespace worldtune::measure {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string g_halide_error;  // written by the runtime's error handler inside the child

void capture_error(void *, const char *msg) {
  if (g_halide_error.size() < 4000) g_halide_error += msg;
}

/// The loaded candidate with its argument buffers (inside the child process).
struct LoadedKernel {
  int (*argv_fn)(void **) = nullptr;
  std::vector<std::unique_ptr<PlacedFloats>> data;  // inputs then outputs (buffer_placement.h)
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
    auto &buf =
        k->data.emplace_back(std::make_unique<PlacedFloats>(op.num_elements(), k->data.size()));
    if (op.is_placeholder)
      std::copy(inputs[id].begin(), inputs[id].end(), buf->data());
    else
      std::fill(buf->data(), buf->data() + buf->size(), NAN);
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
    b.host = reinterpret_cast<uint8_t *>(k->data[i]->data());
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
    const PlacedFloats &got = *k.data[first_out + o];
    std::vector<float> ref(got.size());
    in.read(reinterpret_cast<char *>(ref.data()), static_cast<std::streamsize>(ref.size() * 4));
    if (!in) return "the reference outputs '" + path + "' are truncated";
    double scale = 0;
    for (float r : ref) scale = std::max(scale, std::fabs(static_cast<double>(r)));
    double atol = 1e-5 * std::max(1.0, scale);
    for (size_t i = 0; i < got.size(); ++i) {
      double g = got.data()[i], r = ref[i];
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

/// The timed runs of TVM's time_evaluator; "" or the runtime error.
std::string time_runs(const json &rq, LoadedKernel &k, double warm_ms, std::vector<double> &costs) {
  bool flush = rq.at("cache_flush").get<bool>();
  int number = flush ? 1 : std::max(1, rq.at("number").get<int>());
  double min_ms = flush ? 0 : rq.at("min_repeat_ms").get<double>();
  // A candidate whose warm-up alone lasts min_repeat_ms needs fewer runs per repeat: slow
  // candidates then cost seconds, not tens of seconds (and do not hit the run timeout).
  if (warm_ms > 0) number = std::clamp(static_cast<int>(std::ceil(min_ms / warm_ms)), 1, number);
  for (int r = 0; r < std::max(1, rq.at("repeat").get<int>()); ++r) {
    while (true) {
      double total = 0;
      for (int i = 0; i < number; ++i) {
        if (flush) flush_cache();
        auto t0 = Clock::now();
        if (k.argv_fn(k.args.data()) != 0) return g_halide_error;
        total += std::chrono::duration<double>(Clock::now() - t0).count();
      }
      double ms = total * 1e3;
      if (ms >= min_ms) {
        costs.push_back(total / number);
        break;
      }
      double per_run_ms = std::max(ms / number, 1e-6);
      number = static_cast<int>(std::min(1e8, std::max(min_ms / per_run_ms + 1, number * 1.618)));
    }
  }
  return "";
}

/// Loads the request's candidate; "" or why not.
std::string load_request(const json &rq, LoadedKernel &k,
                         std::shared_ptr<const ir::ComputeDAG> &dag) {
  dag = ir::parse_workload(rq.at("workload").get<std::string>()).dag;
  return load(rq.at("runtime").get<std::string>(), rq.at("so").get<std::string>(),
              rq.at("threads").get<int>(), *dag, rq.at("input_seed").get<uint64_t>(), &k);
}

}  // namespace

std::string run_candidate_command(const json &rq) {
  LoadedKernel k;
  std::shared_ptr<const ir::ComputeDAG> dag;
  std::string err = load_request(rq, k, dag);
  if (!err.empty()) return failure(MeasureErrorCode::CompileDevice, err).dump();
  auto warm0 = Clock::now();
  if (k.argv_fn(k.args.data()) != 0)
    return failure(MeasureErrorCode::RuntimeDevice, g_halide_error).dump();
  double warm_ms = std::chrono::duration<double, std::milli>(Clock::now() - warm0).count();
  json out = {{"error", 0}};
  if (rq.at("time").get<bool>()) {
    std::vector<double> costs;
    err = time_runs(rq, k, warm_ms, costs);
    if (!err.empty()) return failure(MeasureErrorCode::RuntimeDevice, err).dump();
    out["costs"] = costs;
  }
  std::string reference = rq.at("reference").get<std::string>();
  if (!reference.empty()) {
    std::string mismatch = compare(k, *dag, reference);
    if (!mismatch.empty()) return failure(MeasureErrorCode::WrongAnswer, mismatch).dump();
    out["checked"] = true;
  }
  return out.dump();
}

std::string write_reference_command(const json &rq) {
  LoadedKernel k;
  std::shared_ptr<const ir::ComputeDAG> dag;
  std::string err = load_request(rq, k, dag);
  if (!err.empty()) return err;
  if (k.argv_fn(k.args.data()) != 0) return "the reference failed: " + g_halide_error;
  std::string path = rq.at("out").get<std::string>(), tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary);
  size_t first_out = k.data.size() - k.outputs.size();
  for (size_t i = first_out; i < k.data.size(); ++i)
    out.write(reinterpret_cast<const char *>(k.data[i]->data()),
              static_cast<std::streamsize>(k.data[i]->size() * 4));
  out.close();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0)
    return "cannot write the reference outputs";
  return "";
}

}  // namespace worldtune::measure
