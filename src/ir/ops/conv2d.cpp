/// \file conv2d_nhwc and its variants: fused bias + relu, grouped, dilated.
/// out[n,h,w,co] = sum_{rh,rw,rc} pad(X)[n, h*S + rh*D, w*S + rw*D, g(co)*CI/G + rc] *
/// W[rh,rw,rc,co]
#include "ir/ops/ops.h"

namespace worldtune::ir {

namespace {

std::vector<ParamSpec> conv2d_params() {
  return {param("N", 1, "batch"),
          param("H", 56, "input height"),
          param("W", 56, "input width"),
          param("CI", 64, "input channels"),
          param("CO", 64, "output channels"),
          param("K", 3, "kernel size"),
          param("S", 1, "stride"),
          param("P", 1, "padding", 0)};
}

ComputeDAG build_conv2d(const ParamMap &p, int64_t groups, int64_t dilation, bool bias_relu_on) {
  int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), CI = p.at("CI"), CO = p.at("CO"),
          K = p.at("K"), S = p.at("S"), P = p.at("P");
  check_divisible(CI, "CI", groups, "G");
  check_divisible(CO, "CO", groups, "G");
  int64_t OH = conv_out_extent(H, K, S, P, dilation, "H");
  int64_t OW = conv_out_extent(W, K, S, P, dilation, "W");
  int64_t ci_per_group = CI / groups, co_per_group = CO / groups;
  DagBuilder b;
  Tensor X = b.placeholder("X", {N, H, W, CI});
  Tensor Wt = b.placeholder("W", {K, K, ci_per_group, CO});
  Tensor in = P > 0 ? pad(b, "pad", X, {0, P, P, 0}, {0, P, P, 0}) : X;
  Tensor out = b.reduce(
      "conv2d", {{"n", N}, {"h", OH}, {"w", OW}, {"co", CO}},
      {{"rh", K}, {"rw", K}, {"rc", ci_per_group}}, ReduceKind::Sum,
      [&](const Vars &s, const Vars &r) {
        Expr ci =
            groups == 1 ? r[2] : floordiv(s[3], Expr(co_per_group)) * Expr(ci_per_group) + r[2];
        return in(s[0], s[1] * Expr(S) + r[0] * Expr(dilation),
                  s[2] * Expr(S) + r[1] * Expr(dilation), ci) *
               Wt(r[0], r[1], r[2], s[3]);
      });
  if (bias_relu_on) bias_relu(b, out, true, true);
  return b.build();
}

}  // namespace

void register_conv2d(WorkloadRegistry &r) {
  r.add({"conv2d_nhwc", "2-D convolution, NHWC, weights [K,K,CI,CO]", "conv2d", conv2d_params(),
         [](const ParamMap &p) { return build_conv2d(p, 1, 1, false); }});
  r.add({"conv2d_bias_relu_nhwc", "conv2d_nhwc + bias + relu, fused subgraph", "conv2d_bias_relu",
         conv2d_params(), [](const ParamMap &p) { return build_conv2d(p, 1, 1, true); }});
  auto grouped = conv2d_params();
  grouped.push_back(param("G", 4, "groups"));
  r.add({"grouped_conv2d_nhwc", "grouped 2-D convolution, weights [K,K,CI/G,CO]", "grouped_conv2d",
         grouped, [](const ParamMap &p) { return build_conv2d(p, p.at("G"), 1, false); }});
  auto dilated = conv2d_params();
  dilated.push_back(param("D", 2, "dilation"));
  r.add({"dilated_conv2d_nhwc", "dilated 2-D convolution", "dilated_conv2d", dilated,
         [](const ParamMap &p) { return build_conv2d(p, 1, p.at("D"), false); }});
}

}  // namespace worldtune::ir
