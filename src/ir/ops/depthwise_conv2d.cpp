/// \file depthwise_conv2d_nhwc: out[n,h,w,c] = sum_{rh,rw} pad(X)[n, h*S+rh, w*S+rw, c] *
/// W[rh,rw,c].
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_depthwise_conv2d(WorkloadRegistry &r) {
  r.add({"depthwise_conv2d_nhwc",
         "depthwise 2-D convolution, NHWC, weights [K,K,C]",
         "depthwise_conv2d",
         {param("N", 1, "batch"), param("H", 112, "input height"), param("W", 112, "input width"),
          param("C", 32, "channels"), param("K", 3, "kernel size"), param("S", 1, "stride"),
          param("P", 1, "padding", 0)},
         [](const ParamMap &p) {
           int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), C = p.at("C"), K = p.at("K"),
                   S = p.at("S"), P = p.at("P");
           int64_t OH = conv_out_extent(H, K, S, P, 1, "H");
           int64_t OW = conv_out_extent(W, K, S, P, 1, "W");
           DagBuilder b;
           Tensor X = b.placeholder("X", {N, H, W, C});
           Tensor Wt = b.placeholder("W", {K, K, C});
           Tensor in = P > 0 ? pad(b, "pad", X, {0, P, P, 0}, {0, P, P, 0}) : X;
           b.reduce("depthwise", {{"n", N}, {"h", OH}, {"w", OW}, {"c", C}}, {{"rh", K}, {"rw", K}},
                    ReduceKind::Sum, [&](const Vars &s, const Vars &r) {
                      return in(s[0], s[1] * Expr(S) + r[0], s[2] * Expr(S) + r[1], s[3]) *
                             Wt(r[0], r[1], s[3]);
                    });
           return b.build();
         }});
}

}  // namespace worldtune::ir
