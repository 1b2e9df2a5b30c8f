/// \file norm (Ansor's NRM): D[b] = sqrt(sum_{i,j} A[b,i,j]^2), two reduce axes.
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_norm(WorkloadRegistry &r) {
  r.add({"norm",
         "D[B] = sqrt(sum_{M,N} A[B,M,N]^2)",
         "norm",
         {param("B", 1, "batch"), param("M", 256, "rows"), param("N", 256, "columns")},
         [](const ParamMap &p) {
           int64_t B = p.at("B"), M = p.at("M"), N = p.at("N");
           DagBuilder b;
           Tensor A = b.placeholder("A", {B, M, N});
           Tensor C = b.reduce("sumsq", {{"b", B}}, {{"i", M}, {"j", N}}, ReduceKind::Sum,
                               [&](const Vars &s, const Vars &k) {
                                 return A(s[0], k[0], k[1]) * A(s[0], k[0], k[1]);
                               });
           b.compute("norm", {{"b", B}}, [&](const Vars &s) { return sqrt(C(s[0])); });
           return b.build();
         }});
}

}  // namespace worldtune::ir
