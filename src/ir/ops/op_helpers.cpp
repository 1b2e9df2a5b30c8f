/// \file Helpers shared by the operator definitions.
#include "ir/ops/ops.h"
#include "worldtune/error.h"

namespace worldtune::ir {

int64_t conv_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                        const std::string &field) {
  int64_t eff = (kernel - 1) * dilation + 1;
  int64_t out = (in + 2 * pad - eff) / stride + 1;
  WT_USER_CHECK(in + 2 * pad - eff >= 0 && out > 0, BadWorkload,
                "field '" << field << "' = " << in << " is too small for a kernel of " << kernel
                          << " (dilation " << dilation << ", padding " << pad << ")");
  return out;
}

void check_divisible(int64_t a, const std::string &a_name, int64_t b, const std::string &b_name) {
  WT_USER_CHECK(a % b == 0, BadWorkload,
                "field '" << a_name << "' = " << a << " must be divisible by field '" << b_name
                          << "' = " << b);
}

ParamSpec param(const std::string &name, int64_t def, const std::string &doc, int64_t min) {
  ParamSpec p;
  p.name = name;
  p.default_value = def;
  p.min_value = min;
  p.doc = doc;
  return p;
}

ParamSpec flag(const std::string &name, const std::string &doc) {
  ParamSpec p = param(name, 0, doc + " (0/1)", 0);
  p.max_value = 1;  // any other value would be a distinct key for the same program
  return p;
}

ParamSpec late_param(const std::string &name, int64_t def, const std::string &doc) {
  ParamSpec p = param(name, def, doc);
  p.keyed_at_default = false;
  return p;
}

Tensor bias_relu(DagBuilder &b, const Tensor &x, bool bias, bool relu) {
  std::vector<Axis> axes;
  for (size_t i = 0; i < x.shape.size(); ++i)
    axes.push_back({"ax" + std::to_string(i), x.shape[i]});
  Tensor cur = x;
  if (bias) {
    Tensor bv = b.placeholder("bias", {x.shape.back()});
    Tensor in = cur;
    cur = b.compute("bias_add", axes, [&](const Vars &v) { return in(v) + bv(v.back()); });
  }
  if (relu) {
    Tensor in = cur;
    cur = b.compute("relu", axes, [&](const Vars &v) { return max(in(v), Expr(0.0)); });
  }
  return cur;
}

}  // namespace worldtune::ir
