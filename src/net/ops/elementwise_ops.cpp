/// \file Elementwise operators: binary arithmetic with broadcasting and the activations.
#include <cmath>
#include <limits>

#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

template <typename Fn>
EvalFn binary(Fn fn) {
  return [fn](const Node &, const std::vector<const HostTensor *> &in,
              const std::vector<int64_t> &shape) {
    return broadcast_binary(*in[0], *in[1], shape, fn);
  };
}

template <typename Fn>
EvalFn unary(Fn fn) {
  return [fn](const Node &, const std::vector<const HostTensor *> &in,
              const std::vector<int64_t> &shape) {
    HostTensor out{shape, in[0]->data};
    for (float &x : out.data) x = fn(x);
    return out;
  };
}

/// Clip's bound: its input (opset 11 on) if given, else its attribute (before), else `fallback`.
float clip_bound(const Node &n, const std::vector<const HostTensor *> &in, size_t i,
                 const char *attribute, float fallback) {
  if (i < in.size() && in[i] != nullptr) return in[i]->data.at(0);
  return static_cast<float>(n.get_float(attribute, fallback));
}

HostTensor clip(const Node &n, const std::vector<const HostTensor *> &in,
                const std::vector<int64_t> &shape) {
  const float inf = std::numeric_limits<float>::infinity();
  const float lo = clip_bound(n, in, 1, "min", -inf), hi = clip_bound(n, in, 2, "max", inf);
  return unary([lo, hi](float x) { return std::min(std::max(x, lo), hi); })(n, in, shape);
}

HostTensor gelu(const Node &n, const std::vector<const HostTensor *> &in,
                const std::vector<int64_t> &shape) {
  if (n.has("approximate") && n.attributes.at("approximate").s == "tanh")
    return unary([](float x) {
      return 0.5f * x * (1 + std::tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
    })(n, in, shape);
  return unary([](float x) { return 0.5f * x * (1 + std::erf(x * 0.70710678f)); })(n, in, shape);
}

}  // namespace

void register_elementwise_ops(NetOpRegistry &r) {
  r.add({"Add", 2, 2, 1, {}, nullptr, binary([](float a, float b) { return a + b; })});
  r.add({"Sub", 2, 2, 1, {}, nullptr, binary([](float a, float b) { return a - b; })});
  r.add({"Mul", 2, 2, 1, {}, nullptr, binary([](float a, float b) { return a * b; })});
  r.add({"Div", 2, 2, 1, {}, nullptr, binary([](float a, float b) { return a / b; })});
  r.add({"Pow", 2, 2, 1, {}, nullptr, binary([](float a, float b) { return std::pow(a, b); })});
  r.add({"Relu", 1, 1, 1, {}, nullptr, unary([](float x) { return std::max(x, 0.0f); })});
  r.add({"Sigmoid", 1, 1, 1, {}, nullptr, unary([](float x) {
           return 1.0f / (1.0f + std::exp(-x));
         })});
  r.add({"Sqrt", 1, 1, 1, {}, nullptr, unary([](float x) { return std::sqrt(x); })});
  r.add({"Erf", 1, 1, 1, {}, nullptr, unary([](float x) { return std::erf(x); })});
  // ReLU6 and friends; min and max are inputs since opset 11, attributes before.
  r.add({"Clip",
         1,
         3,
         1,
         {any_float("min"), any_float("max")},
         [](const Node &n, const Graph &g) { return needs_constants(n, g, 1); },
         clip});
  r.add({"Gelu", 1, 1, 1, {string_in("approximate", {"none", "tanh"})}, nullptr, gelu});
}

}  // namespace worldtune::net
