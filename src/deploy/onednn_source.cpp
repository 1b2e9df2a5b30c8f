/// \file oneDNN kernel sources. Layouts follow src/ir/ops: row-major tensors, conv2d inputs NHWC
/// and weights [K,K,CI/G,CO] (oneDNN's hwio, or hwigo with groups), dense weights [N,K].
#include "deploy/onednn_source.h"

#include <sstream>

#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::deploy {

namespace {

/// Everything but the primitive: argument binding, a reorder where oneDNN prefers its own
/// weights layout (timed with the kernel, since weights are inputs of every call), the thread
/// count, and errors reported through the Halide runtime so that the runner records them.
constexpr const char *kPrelude = R"(#include <HalideRuntime.h>
#include <omp.h>

#include <dnnl.hpp>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace dnnl;
using dt = memory::data_type;
using tag = memory::format_tag;

struct Binding {
  int arg;          // DNNL_ARG_*
  int index;        // position in wt_kernel_argv's arguments
  memory user;      // wraps the caller's buffer
  memory internal;  // what the primitive reads (== user unless reordered)
  reorder reorder_to_internal;
  bool reordered = false;
};

struct Kernel {
  engine eng{engine::kind::cpu, 0};
  stream strm{eng};
  primitive prim;
  std::vector<Binding> bindings;

  void bind(int arg, int index, const memory::desc &user_md, const memory::desc &chosen) {
    Binding b{arg, index, memory(user_md, eng, nullptr), memory(), reorder(), false};
    if (chosen == user_md) {
      b.internal = b.user;
    } else {
      b.internal = memory(chosen, eng);
      b.reorder_to_internal = reorder(b.user, b.internal);
      b.reordered = true;
    }
    bindings.push_back(b);
  }

  void run(void **args) {
    std::unordered_map<int, memory> exec_args;
    for (Binding &b : bindings) {
      b.user.set_data_handle(static_cast<halide_buffer_t *>(args[b.index])->host);
      if (b.reordered) b.reorder_to_internal.execute(strm, b.user, b.internal);
      exec_args[b.arg] = b.internal;
    }
    prim.execute(strm, exec_args);
    strm.wait();
  }
};

Kernel *make_kernel();

}  // namespace

extern "C" void wt_kernel_set_num_threads(int threads) { omp_set_num_threads(threads); }

extern "C" int wt_kernel_argv(void **args) {
  try {
    static Kernel *kernel = make_kernel();
    kernel->run(args);
    return 0;
  } catch (const std::exception &e) {
    halide_error(nullptr, (std::string("oneDNN: ") + e.what()).c_str());
    return -1;
  }
}

namespace {

Kernel *make_kernel() {
  Kernel *k = new Kernel;
)";

constexpr const char *kEpilogue = R"(  return k;
}

}  // namespace
)";

/// Positions of the kernel's arguments: placeholders in DAG order, then the output.
class Arguments {
 public:
  explicit Arguments(const ir::ComputeDAG &dag) : dag_(dag) {}
  int input(const std::string &name) const {
    std::vector<int> ids = dag_.placeholders();
    for (size_t i = 0; i < ids.size(); ++i)
      if (dag_.op(ids[i]).name == name) return static_cast<int>(i);
    WT_ASSERT(false, "no placeholder '" << name << "'");
    return -1;
  }
  int output() const {
    WT_ASSERT(dag_.outputs().size() == 1, "oneDNN kernels have one output");
    return static_cast<int>(dag_.placeholders().size());
  }

 private:
  const ir::ComputeDAG &dag_;
};

std::string dims(const std::vector<int64_t> &v) {
  return "{" + join_mapped(v, ", ", [](int64_t x) { return std::to_string(x); }) + "}";
}

/// Post-ops: relu when the workload fuses one.
std::string attr(bool relu) {
  std::string s = "  primitive_attr attr;\n";
  if (relu)
    s += "  post_ops ops;\n  ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);\n"
         "  attr.set_post_ops(ops);\n";
  return s;
}

/// matmul, batch_matmul and dense: oneDNN's matmul, with the weights transposed for dense.
std::string matmul_body(const ir::Workload &w, const Arguments &a) {
  const ir::ParamMap &p = w.params;
  std::ostringstream os;
  std::string src, wei, dst, src_tag, wei_tag, dst_tag;
  bool bias = false, relu = false;
  int src_i, wei_i;
  if (w.op_name == "batch_matmul") {
    int64_t B = p.at("B"), M = p.at("M"), N = p.at("N"), K = p.at("K");
    src = dims({B, M, K}), wei = dims({B, K, N}), dst = dims({B, M, N});
    src_tag = wei_tag = dst_tag = "abc";
    src_i = a.input("X"), wei_i = a.input("Y");
  } else {
    int64_t M = p.at("M"), N = p.at("N"), K = p.at("K");
    src = dims({M, K}), wei = dims({K, N}), dst = dims({M, N});
    src_tag = wei_tag = dst_tag = "ab";
    if (w.op_name == "dense") {
      wei_tag = "ba";  // W[N,K] is the [K,N] weights, transposed
      src_i = a.input("X"), wei_i = a.input("W");
      bias = p.at("BIAS") != 0;
      relu = p.at("RELU") != 0;
    } else {
      src_i = a.input("A"), wei_i = a.input("B");
    }
  }
  os << "  memory::desc src_md(" << src << ", dt::f32, tag::" << src_tag << ");\n"
     << "  memory::desc wei_md(" << wei << ", dt::f32, tag::" << wei_tag << ");\n"
     << "  memory::desc dst_md(" << dst << ", dt::f32, tag::" << dst_tag << ");\n";
  if (bias) os << "  memory::desc bias_md({1, " << p.at("N") << "}, dt::f32, tag::ab);\n";
  os << attr(relu) << "  matmul::primitive_desc pd(matmul::desc(src_md, wei_md, "
     << (bias ? "bias_md, " : "") << "dst_md), attr, k->eng);\n"
     << "  k->prim = matmul(pd);\n"
     << "  k->bind(DNNL_ARG_SRC, " << src_i << ", src_md, pd.src_desc());\n"
     << "  k->bind(DNNL_ARG_WEIGHTS, " << wei_i << ", wei_md, pd.weights_desc());\n";
  if (bias) os << "  k->bind(DNNL_ARG_BIAS, " << a.input("bias") << ", bias_md, pd.bias_desc());\n";
  os << "  k->bind(DNNL_ARG_DST, " << a.output() << ", dst_md, pd.dst_desc());\n";
  return os.str();
}

/// The conv2d family: oneDNN's direct convolution with worldtune's zero padding, stride,
/// dilation (oneDNN counts it from 0) and groups (depthwise: one group per channel).
std::string conv2d_body(const ir::Workload &w, const Arguments &a) {
  const ir::ParamMap &p = w.params;
  bool depthwise = w.op_name == "depthwise_conv2d_nhwc";
  int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), K = p.at("K"), S = p.at("S"), P = p.at("P");
  int64_t CI = depthwise ? p.at("C") : p.at("CI"), CO = depthwise ? p.at("C") : p.at("CO");
  int64_t G = depthwise ? CI : (p.count("G") ? p.at("G") : 1);
  int64_t D = p.count("D") ? p.at("D") : 1;
  bool bias_relu = w.op_name == "conv2d_bias_relu_nhwc";
  const ir::Op &out = w.dag->op(w.dag->outputs()[0]);
  int64_t OH = out.axes[1].extent, OW = out.axes[2].extent;
  std::ostringstream os;
  os << "  memory::desc src_md(" << dims({N, CI, H, W}) << ", dt::f32, tag::nhwc);\n";
  if (G == 1)
    os << "  memory::desc wei_md(" << dims({CO, CI, K, K}) << ", dt::f32, tag::hwio);\n";
  else
    os << "  memory::desc wei_md(" << dims({G, CO / G, CI / G, K, K})
       << ", dt::f32, tag::hwigo);\n";
  os << "  memory::desc wei_any(wei_md.dims(), dt::f32, tag::any);\n"
     << "  memory::desc dst_md(" << dims({N, CO, OH, OW}) << ", dt::f32, tag::nhwc);\n";
  if (bias_relu) os << "  memory::desc bias_md({" << CO << "}, dt::f32, tag::a);\n";
  os << attr(bias_relu)
     << "  convolution_forward::desc d(prop_kind::forward_inference, "
        "algorithm::convolution_direct, src_md, wei_any, "
     << (bias_relu ? "bias_md, " : "") << "dst_md, " << dims({S, S}) << ", " << dims({D - 1, D - 1})
     << ", " << dims({P, P}) << ", " << dims({P, P}) << ");\n"
     << "  convolution_forward::primitive_desc pd(d, attr, k->eng);\n"
     << "  k->prim = convolution_forward(pd);\n"
     << "  k->bind(DNNL_ARG_SRC, " << a.input("X") << ", src_md, pd.src_desc());\n"
     << "  k->bind(DNNL_ARG_WEIGHTS, " << a.input("W") << ", wei_md, pd.weights_desc());\n";
  if (bias_relu)
    os << "  k->bind(DNNL_ARG_BIAS, " << a.input("bias") << ", bias_md, pd.bias_desc());\n";
  os << "  k->bind(DNNL_ARG_DST, " << a.output() << ", dst_md, pd.dst_desc());\n";
  return os.str();
}

using BodyFn = std::string (*)(const ir::Workload &, const Arguments &);

const std::vector<std::pair<std::string, BodyFn>> &bodies() {
  static const std::vector<std::pair<std::string, BodyFn>> table = {
      {"matmul", matmul_body},
      {"batch_matmul", matmul_body},
      {"dense", matmul_body},
      {"conv2d_nhwc", conv2d_body},
      {"conv2d_bias_relu_nhwc", conv2d_body},
      {"grouped_conv2d_nhwc", conv2d_body},
      {"dilated_conv2d_nhwc", conv2d_body},
      {"depthwise_conv2d_nhwc", conv2d_body},
  };
  return table;
}

}  // namespace

std::vector<std::string> onednn_operators() {
  std::vector<std::string> out;
  for (const auto &[name, body] : bodies()) out.push_back(name);
  return out;
}

std::string onednn_kernel_source(const ir::Workload &workload) {
  for (const auto &[name, body] : bodies()) {
    if (name != workload.op_name) continue;
    return "// oneDNN kernel for " + workload.key +
           ", generated by worldtune (baseline onednn).\n" + kPrelude +
           body(workload, Arguments(*workload.dag)) + kEpilogue;
  }
  WT_USER_CHECK(false, BadArgument,
                "onednn has no kernel for operator '"
                    << workload.op_name << "' (it has one for: "
                    << join_mapped(onednn_operators(), ", ", [](const std::string &s) { return s; })
                    << ")");
  return "";
}

}  // namespace worldtune::deploy
