/// \file layer_norm over the last axis of X[M, N]: one-pass mean and mean of squares, then
/// (x - mean) / sqrt(var + 1e-5) * gamma + beta.
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_layer_norm(WorkloadRegistry &r) {
  r.add({"layer_norm",
         "layer normalization over the last axis of X[M,N]",
         "layer_norm",
         {param("M", 128, "rows"), param("N", 768, "normalized length")},
         [](const ParamMap &p) {
           int64_t M = p.at("M"), N = p.at("N");
           DagBuilder b;
           Tensor X = b.placeholder("X", {M, N});
           Tensor gamma = b.placeholder("gamma", {N});
           Tensor beta = b.placeholder("beta", {N});
           Tensor s1 = b.reduce("xsum", {{"i", M}}, {{"k", N}}, ReduceKind::Sum,
                                [&](const Vars &s, const Vars &k) { return X(s[0], k[0]); });
           Tensor s2 = b.reduce(
               "xsqsum", {{"i", M}}, {{"k", N}}, ReduceKind::Sum,
               [&](const Vars &s, const Vars &k) { return X(s[0], k[0]) * X(s[0], k[0]); });
           double inv_n = 1.0 / static_cast<double>(N);
           b.compute("layer_norm", {{"i", M}, {"j", N}}, [&](const Vars &s) {
             Expr mean = s1(s[0]) * Expr(inv_n);
             Expr var = s2(s[0]) * Expr(inv_n) - mean * mean;
             return (X(s[0], s[1]) - mean) / sqrt(var + Expr(1e-5)) * gamma(s[1]) + beta(s[1]);
           });
           return b.build();
         }});
}

}  // namespace worldtune::ir
