/// \file dense: Y[i, j] = sum_k X[i, k] * W[j, k] (TVM's dense, weights transposed), with optional
/// bias and relu fused as elementwise stages.
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_dense(WorkloadRegistry &r) {
  r.add(
      {"dense",
       "Y[M,N] = X[M,K] . W[N,K]^T (+ bias[N]) (relu)",
       "dense",
       {param("M", 128, "rows (batch x sequence)"), param("N", 3072, "output features"),
        param("K", 768, "input features"), flag("BIAS", "add a bias"), flag("RELU", "apply relu")},
       [](const ParamMap &p) {
         int64_t M = p.at("M"), N = p.at("N"), K = p.at("K");
         DagBuilder b;
         Tensor X = b.placeholder("X", {M, K});
         Tensor W = b.placeholder("W", {N, K});
         Tensor Y =
             b.reduce("dense", {{"i", M}, {"j", N}}, {{"k", K}}, ReduceKind::Sum,
                      [&](const Vars &s, const Vars &k) { return X(s[0], k[0]) * W(s[1], k[0]); });
         bias_relu(b, Y, p.at("BIAS") != 0, p.at("RELU") != 0);
         return b.build();
       }});
}

}  // namespace worldtune::ir
