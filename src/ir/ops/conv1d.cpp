/// \file conv1d_nlc: out[n,l,co] = sum_{rl,rc} pad(X)[n, l*S + rl, rc] * W[rl, rc, co].
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_conv1d(WorkloadRegistry &r) {
  r.add({"conv1d_nlc",
         "1-D convolution, NLC, weights [K,CI,CO]",
         "conv1d",
         {param("N", 1, "batch"), param("L", 256, "length"), param("CI", 64, "input channels"),
          param("CO", 128, "output channels"), param("K", 3, "kernel size"),
          param("S", 2, "stride"), param("P", 1, "padding", 0)},
         [](const ParamMap &p) {
           int64_t N = p.at("N"), L = p.at("L"), CI = p.at("CI"), CO = p.at("CO"), K = p.at("K"),
                   S = p.at("S"), P = p.at("P");
           int64_t OL = conv_out_extent(L, K, S, P, 1, "L");
           DagBuilder b;
           Tensor X = b.placeholder("X", {N, L, CI});
           Tensor W = b.placeholder("W", {K, CI, CO});
           Tensor in = P > 0 ? pad(b, "pad", X, {0, P, 0}, {0, P, 0}) : X;
           b.reduce("conv1d", {{"n", N}, {"l", OL}, {"co", CO}}, {{"rl", K}, {"rc", CI}},
                    ReduceKind::Sum, [&](const Vars &s, const Vars &r) {
                      return in(s[0], s[1] * Expr(S) + r[0], r[1]) * W(r[0], r[1], s[2]);
                    });
           return b.build();
         }});
}

}  // namespace worldtune::ir
