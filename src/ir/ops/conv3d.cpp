/// \file conv3d_ndhwc: out[n,d,h,w,co] = sum pad(X)[n, d*S+rd, h*S+rh, w*S+rw, rc] *
/// W[rd,rh,rw,rc,co].
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_conv3d(WorkloadRegistry &r) {
  r.add({"conv3d_ndhwc",
         "3-D convolution, NDHWC, weights [K,K,K,CI,CO]",
         "conv3d",
         {param("N", 1, "batch"), param("D", 16, "input depth"), param("H", 56, "input height"),
          param("W", 56, "input width"), param("CI", 64, "input channels"),
          param("CO", 64, "output channels"), param("K", 3, "kernel size"), param("S", 1, "stride"),
          param("P", 1, "padding", 0)},
         [](const ParamMap &p) {
           int64_t N = p.at("N"), D = p.at("D"), H = p.at("H"), W = p.at("W"), CI = p.at("CI"),
                   CO = p.at("CO"), K = p.at("K"), S = p.at("S"), P = p.at("P");
           int64_t OD = conv_out_extent(D, K, S, P, 1, "D");
           int64_t OH = conv_out_extent(H, K, S, P, 1, "H");
           int64_t OW = conv_out_extent(W, K, S, P, 1, "W");
           DagBuilder b;
           Tensor X = b.placeholder("X", {N, D, H, W, CI});
           Tensor Wt = b.placeholder("W", {K, K, K, CI, CO});
           Tensor in = P > 0 ? pad(b, "pad", X, {0, P, P, P, 0}, {0, P, P, P, 0}) : X;
           b.reduce("conv3d", {{"n", N}, {"d", OD}, {"h", OH}, {"w", OW}, {"co", CO}},
                    {{"rd", K}, {"rh", K}, {"rw", K}, {"rc", CI}}, ReduceKind::Sum,
                    [&](const Vars &s, const Vars &r) {
                      Expr sv(S);
                      return in(s[0], s[1] * sv + r[0], s[2] * sv + r[1], s[3] * sv + r[2], r[3]) *
                             Wt(r[0], r[1], r[2], r[3], s[4]);
                    });
           return b.build();
         }});
}

}  // namespace worldtune::ir
