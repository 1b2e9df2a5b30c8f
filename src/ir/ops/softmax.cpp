/// \file softmax over the last axis of [B, M, N], in TVM's four stages (max, exp, sum, divide).
#include "ir/ops/ops.h"

namespace worldtune::ir {

void register_softmax(WorkloadRegistry &r) {
  r.add({"softmax",
         "softmax over the last axis of X[B,M,N]",
         "softmax",
         {param("B", 12, "batch"), param("M", 128, "rows"), param("N", 128, "softmax length")},
         [](const ParamMap &p) {
           int64_t B = p.at("B"), M = p.at("M"), N = p.at("N");
           DagBuilder b;
           Tensor X = b.placeholder("X", {B, M, N});
           std::vector<Axis> rows = {{"b", B}, {"i", M}};
           std::vector<Axis> all = {{"b", B}, {"i", M}, {"j", N}};
           Tensor mx = b.reduce("maxelem", rows, {{"k", N}}, ReduceKind::Max,
                                [&](const Vars &s, const Vars &k) { return X(s[0], s[1], k[0]); });
           Tensor e = b.compute("exp", all, [&](const Vars &s) {
             return exp(X(s[0], s[1], s[2]) - mx(s[0], s[1]));
           });
           Tensor sum = b.reduce("expsum", rows, {{"k", N}}, ReduceKind::Sum,
                                 [&](const Vars &s, const Vars &k) { return e(s[0], s[1], k[0]); });
           b.compute("softmax", all,
                     [&](const Vars &s) { return e(s[0], s[1], s[2]) / sum(s[0], s[1]); });
           return b.build();
         }});
}

}  // namespace worldtune::ir
