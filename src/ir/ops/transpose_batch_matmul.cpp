/// \file Ansor's TBG subgraph (BERT attention scores): both operands transposed from [B,L,H,D]
/// to head-major layout, then out[b,h,i,j] = sum_k query_T[b,h,i,k] * value_T[b,h,k,j].
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_transpose_batch_matmul(WorkloadRegistry &r) {
  r.add({"transpose_batch_matmul",
         "transpose + batch_matmul (BERT attention), inputs [B,L,H,D]",
         "transpose_batch_matmul",
         {param("B", 1, "batch"), param("L", 128, "sequence length"), param("H", 12, "heads"),
          param("D", 64, "head dimension")},
         [](const ParamMap &p) {
           int64_t B = p.at("B"), L = p.at("L"), H = p.at("H"), D = p.at("D");
           DagBuilder b;
           Tensor q = b.placeholder("query", {B, L, H, D});
           Tensor v = b.placeholder("value", {B, L, H, D});
           Tensor qt = b.compute("query_T", {{"b", B}, {"h", H}, {"l", L}, {"d", D}},
                                 [&](const Vars &s) { return q(s[0], s[2], s[1], s[3]); });
           Tensor vt = b.compute("value_T", {{"b", B}, {"h", H}, {"d", D}, {"l", L}},
                                 [&](const Vars &s) { return v(s[0], s[3], s[1], s[2]); });
           b.reduce("attention", {{"b", B}, {"h", H}, {"i", L}, {"j", L}}, {{"k", D}},
                    ReduceKind::Sum, [&](const Vars &s, const Vars &k) {
                      return qt(s[0], s[1], s[2], k[0]) * vt(s[0], s[1], k[0], s[3]);
                    });
           return b.build();
         }});
}

}  // namespace worldtune::ir
