/// \file conv2d_transpose_nhwc, as TVM's te_workload: the input is dilated by the stride and padded
/// by K-1-P in one stage, then convolved with the flipped kernel.
#include "ir/ops/ops.h"
#include "worldtune/error.h"

namespace worldtune::ir {

void register_conv2d_transpose(WorkloadRegistry &r) {
  r.add({"conv2d_transpose_nhwc",
         "transposed 2-D convolution, NHWC, weights [K,K,CI,CO]",
         "conv2d_transpose",
         {param("N", 1, "batch"), param("H", 4, "input height"), param("W", 4, "input width"),
          param("CI", 512, "input channels"), param("CO", 256, "output channels"),
          param("K", 4, "kernel size"), param("S", 2, "stride"), param("P", 1, "padding", 0)},
         [](const ParamMap &p) {
           int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), CI = p.at("CI"), CO = p.at("CO"),
                   K = p.at("K"), S = p.at("S"), P = p.at("P");
           WT_USER_CHECK(P <= K - 1, BadWorkload,
                         "field 'P' = " << P << " must be below field 'K' = " << K);
           int64_t bpad = K - 1 - P;
           int64_t dil_h = (H - 1) * S + 1, dil_w = (W - 1) * S + 1;
           int64_t OH = (H - 1) * S - 2 * P + K, OW = (W - 1) * S - 2 * P + K;
           DagBuilder b;
           Tensor X = b.placeholder("X", {N, H, W, CI});
           Tensor Wt = b.placeholder("W", {K, K, CI, CO});
           Tensor padded = b.compute(
               "pad", {{"i0", N}, {"i1", dil_h + 2 * bpad}, {"i2", dil_w + 2 * bpad}, {"i3", CI}},
               [&](const Vars &v) {
                 Expr h = v[1] - Expr(bpad), w = v[2] - Expr(bpad);
                 Expr cond = (h >= Expr(0)) && (h < Expr(dil_h)) &&
                             (floormod(h, Expr(S)) == Expr(0)) && (w >= Expr(0)) &&
                             (w < Expr(dil_w)) && (floormod(w, Expr(S)) == Expr(0));
                 return select(cond, X(v[0], floordiv(h, Expr(S)), floordiv(w, Expr(S)), v[3]),
                               Expr(0.0));
               });
           b.reduce("conv2d_transpose", {{"n", N}, {"h", OH}, {"w", OW}, {"co", CO}},
                    {{"rh", K}, {"rw", K}, {"rc", CI}}, ReduceKind::Sum,
                    [&](const Vars &s, const Vars &rr) {
                      return padded(s[0], s[1] + rr[0], s[2] + rr[1], rr[2]) *
                             Wt(Expr(K - 1) - rr[0], Expr(K - 1) - rr[1], rr[2], s[3]);
                    });
           return b.build();
         }});
}

}  // namespace worldtune::ir
