/// \file matmul: C[i, j] = sum_k A[i, k] * B[k, j].
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_matmul(WorkloadRegistry &r) {
  r.add({"matmul",
         "C[M,N] = A[M,K] . B[K,N]",
         "matmul",
         {param("M", 1024, "rows of A"), param("N", 1024, "columns of B"),
          param("K", 1024, "reduction length")},
         [](const ParamMap &p) {
           int64_t M = p.at("M"), N = p.at("N"), K = p.at("K");
           DagBuilder b;
           Tensor A = b.placeholder("A", {M, K});
           Tensor B = b.placeholder("B", {K, N});
           b.reduce("C", {{"i", M}, {"j", N}}, {{"k", K}}, ReduceKind::Sum,
                    [&](const Vars &s, const Vars &k) { return A(s[0], k[0]) * B(k[0], s[1]); });
           return b.build();
         }});
}

}  // namespace worldtune::ir
