/// \file fused_conv2d: a network's convolution subgraph (conv + folded batch norm + bias +
/// activation + residual, src/ir/ops/epilogue.cpp), NHWC, weights [K,K,CI/G,CO] or, packed in
/// blocks of B output channels, [CO/B,K,K,CI/G,B]; any groups (depthwise when G = CI = CO) and
/// dilation.
#include "ir/ops/ops.h"

namespace worldtune::ir {

namespace {

/// out[n,h,w,co] = sum pad(X)[n, h*S + rh*D, w*S + rw*D, ci] * W[rh, rw, rc, co], ci the input
/// channel rc of co's group; a depthwise conv has no rc axis. Packed weights (B > 1) put the
/// weights one block of output channels reads next to each other: a network streams its weights
/// from memory, and a stride of CO floats between them defeats the hardware prefetchers (TVM's
/// x86 conv2d packs its kernels the same way, OIHW[x]i[y]o).
Tensor conv(DagBuilder &b, const ParamMap &p) {
  const int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), CI = p.at("CI"), CO = p.at("CO"),
                K = p.at("K"), S = p.at("S"), P = p.at("P"), D = p.at("D"), G = p.at("G"),
                B = p.at("B");
  check_divisible(CI, "CI", G, "G");
  check_divisible(CO, "CO", G, "G");
  check_divisible(CO, "CO", B, "B");
  const int64_t OH = conv_out_extent(H, K, S, P, D, "H"), OW = conv_out_extent(W, K, S, P, D, "W");
  const int64_t ci_g = CI / G, co_g = CO / G;
  Tensor X = b.placeholder("X", {N, H, W, CI});
  Tensor Wt =
      B > 1 ? b.placeholder("W", {CO / B, K, K, ci_g, B}) : b.placeholder("W", {K, K, ci_g, CO});
  Tensor in = P > 0 ? pad(b, "pad", X, {0, P, P, 0}, {0, P, P, 0}) : X;
  std::vector<Axis> reduce = {{"rh", K}, {"rw", K}};
  if (ci_g > 1) reduce.push_back({"rc", ci_g});
  auto channel = [&](const Vars &s, const Vars &r) -> Expr {
    Expr rc = ci_g > 1 ? r[2] : Expr(0);
    if (G == 1) return rc;
    Expr group = co_g == 1 ? s[3] : floordiv(s[3], Expr(co_g));
    return ci_g == 1 ? group : group * Expr(ci_g) + rc;
  };
  auto weight = [&](const Vars &s, const Vars &r) -> Expr {
    Expr rc = ci_g > 1 ? r[2] : Expr(0);
    if (B == 1) return Wt(r[0], r[1], rc, s[3]);
    return Wt(floordiv(s[3], Expr(B)), r[0], r[1], rc, floormod(s[3], Expr(B)));
  };
  return b.reduce("conv2d", {{"n", N}, {"h", OH}, {"w", OW}, {"co", CO}}, reduce, ReduceKind::Sum,
                  [&](const Vars &s, const Vars &r) {
                    return in(s[0], s[1] * Expr(S) + r[0] * Expr(D),
                              s[2] * Expr(S) + r[1] * Expr(D), channel(s, r)) *
                           weight(s, r);
                  });
}

}  // namespace

void register_fused_conv2d(WorkloadRegistry &r) {
  r.add({"fused_conv2d", "a network's conv subgraph: NHWC conv2d (groups, dilation) + epilogue",
         "fused_conv2d",
         with_epilogue({param("N", 1, "batch"), param("H", 56, "input height"),
                        param("W", 56, "input width"), param("CI", 64, "input channels"),
                        param("CO", 64, "output channels"), param("K", 3, "kernel size"),
                        param("S", 1, "stride"), param("P", 1, "padding", 0),
                        param("D", 1, "dilation"), param("G", 1, "groups"),
                        late_param("B", 1, "weights' block of output channels (1: unpacked)")}),
         [](const ParamMap &p) {
           DagBuilder b;
           apply_epilogue(b, conv(b, p), p);
           return b.build();
         }});
}

}  // namespace worldtune::ir
