/// \file batch_matmul: Z[b, i, j] = sum_k X[b, i, k] * Y[b, k, j] (Ansor's GMM "nkkm").
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_batch_matmul(WorkloadRegistry &r) {
  r.add({"batch_matmul",
         "Z[B,M,N] = X[B,M,K] . Y[B,K,N]",
         "batch_matmul",
         {param("B", 12, "batch"), param("M", 128, "rows"), param("N", 128, "columns"),
          param("K", 64, "reduction length")},
         [](const ParamMap &p) {
           int64_t B = p.at("B"), M = p.at("M"), N = p.at("N"), K = p.at("K");
           DagBuilder b;
           Tensor X = b.placeholder("X", {B, M, K});
           Tensor Y = b.placeholder("Y", {B, K, N});
           b.reduce("Z", {{"b", B}, {"i", M}, {"j", N}}, {{"k", K}}, ReduceKind::Sum,
                    [&](const Vars &s, const Vars &k) {
                      return X(s[0], s[1], k[0]) * Y(s[0], k[0], s[2]);
                    });
           return b.build();
         }});
}

}  // namespace worldtune::ir
