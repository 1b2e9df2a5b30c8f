/// \file The elementwise epilogue every fused network subgraph carries (src/ir/ops/fused_*.cpp):
/// per-channel scale and bias, an activation, a residual and a second activation, each a
/// separate elementwise stage as TVM's fused subgraphs have them (the sketch rules inline them).
#include <cmath>

#include "ir/ops/ops.h"

namespace worldtune::ir {

namespace {

ParamSpec code(const std::string &name, int64_t max, const std::string &doc) {
  ParamSpec p = param(name, 0, doc, 0);
  p.max_value = max;
  return p;
}

std::vector<Axis> axes_of(const Tensor &t) {
  std::vector<Axis> axes;
  for (size_t i = 0; i < t.shape.size(); ++i)
    axes.push_back({"ax" + std::to_string(i), t.shape[i]});
  return axes;
}

Tensor elementwise(DagBuilder &b, const std::string &name, const Tensor &in,
                   const std::function<Expr(const Vars &, Expr)> &fn) {
  return b.compute(name, axes_of(in), [&](const Vars &v) { return fn(v, in(v)); });
}

}  // namespace

std::vector<ParamSpec> epilogue_params() {
  const std::string acts = "0 none, 1 relu, 2 relu6, 3 sigmoid, 4 gelu";
  return {flag("SCALE", "multiply by a per-channel scale"), flag("BIAS", "add a per-channel bias"),
          code("ACT", 4, "activation: " + acts),
          code("RES", 2, "residual: 0 none, 1 add, 2 multiply"),
          code("POST", 4, "activation after the residual: " + acts)};
}

std::vector<ParamSpec> with_epilogue(std::vector<ParamSpec> anchor) {
  for (ParamSpec &p : epilogue_params()) anchor.push_back(std::move(p));
  return anchor;
}

Expr activate(Expr y, Activation act) {
  switch (act) {
    case Activation::None:
      return y;
    case Activation::Relu:
      return max(y, Expr(0.0));
    case Activation::Relu6:
      return min(max(y, Expr(0.0)), Expr(6.0));
    case Activation::Sigmoid:
      return Expr(1.0) / (Expr(1.0) + exp(Expr(0.0) - y));
    case Activation::Gelu:
      return Expr(0.5) * y * (Expr(1.0) + erf(y * Expr(1.0 / std::sqrt(2.0))));
  }
  return y;
}

Tensor apply_epilogue(DagBuilder &b, const Tensor &y, const ParamMap &p) {
  Tensor cur = y;
  const int64_t channels = y.shape.back();
  if (p.at("SCALE") != 0) {
    Tensor scale = b.placeholder("scale", {channels});
    cur = elementwise(b, "scale", cur, [&](const Vars &v, Expr x) { return x * scale(v.back()); });
  }
  if (p.at("BIAS") != 0) {
    Tensor bias = b.placeholder("bias", {channels});
    cur =
        elementwise(b, "bias_add", cur, [&](const Vars &v, Expr x) { return x + bias(v.back()); });
  }
  const auto act = static_cast<Activation>(p.at("ACT"));
  if (act != Activation::None)
    cur = elementwise(b, "act", cur, [&](const Vars &, Expr x) { return activate(x, act); });
  const auto res = static_cast<Residual>(p.at("RES"));
  if (res != Residual::None) {
    Tensor other = b.placeholder("residual", y.shape);
    cur = elementwise(b, "residual", cur, [&](const Vars &v, Expr x) {
      return res == Residual::Add ? x + other(v) : x * other(v);
    });
  }
  const auto post = static_cast<Activation>(p.at("POST"));
  if (post != Activation::None)
    cur = elementwise(b, "post", cur, [&](const Vars &, Expr x) { return activate(x, post); });
  return cur;
}

}  // namespace worldtune::ir
