/// \file A network's normalization subgraphs over the last axis of X[M,N], each + epilogue
/// (src/ir/ops/epilogue.cpp): fused_softmax (max, exp, sum, divide as TVM stages it) and
/// fused_layer_norm (two-pass mean and variance as ONNX's decomposed form computes them; the
/// affine gamma and beta are the epilogue's SCALE and BIAS).
#include <cmath>

#include "ir/ops/ops.h"

namespace worldtune::ir {

namespace {

const std::vector<Axis> rows_of(int64_t M) { return {{"i", M}}; }

ComputeDAG softmax(const ParamMap &p) {
  const int64_t M = p.at("M"), N = p.at("N");
  DagBuilder b;
  Tensor X = b.placeholder("X", {M, N});
  const std::vector<Axis> all = {{"i", M}, {"j", N}};
  Tensor mx = b.reduce("maxelem", rows_of(M), {{"k", N}}, ReduceKind::Max,
                       [&](const Vars &s, const Vars &k) { return X(s[0], k[0]); });
  Tensor e = b.compute("exp", all, [&](const Vars &s) { return exp(X(s) - mx(s[0])); });
  Tensor sum = b.reduce("expsum", rows_of(M), {{"k", N}}, ReduceKind::Sum,
                        [&](const Vars &s, const Vars &k) { return e(s[0], k[0]); });
  Tensor out = b.compute("softmax", all, [&](const Vars &s) { return e(s) / sum(s[0]); });
  apply_epilogue(b, out, p);
  return b.build();
}

ComputeDAG layer_norm(const ParamMap &p) {
  const int64_t M = p.at("M"), N = p.at("N");
  const double inv_n = 1.0 / static_cast<double>(N);
  const double eps = std::pow(10.0, -static_cast<double>(p.at("EPS")));
  DagBuilder b;
  Tensor X = b.placeholder("X", {M, N});
  Tensor sum = b.reduce("xsum", rows_of(M), {{"k", N}}, ReduceKind::Sum,
                        [&](const Vars &s, const Vars &k) { return X(s[0], k[0]); });
  Tensor sq =
      b.reduce("sqdev", rows_of(M), {{"k", N}}, ReduceKind::Sum, [&](const Vars &s, const Vars &k) {
        Expr d = X(s[0], k[0]) - sum(s[0]) * Expr(inv_n);
        return d * d;
      });
  Tensor out = b.compute("layer_norm", {{"i", M}, {"j", N}}, [&](const Vars &s) {
    return (X(s) - sum(s[0]) * Expr(inv_n)) / sqrt(sq(s[0]) * Expr(inv_n) + Expr(eps));
  });
  apply_epilogue(b, out, p);
  return b.build();
}

}  // namespace

void register_fused_normalize(WorkloadRegistry &r) {
  r.add({"fused_softmax", "a network's softmax over the last axis of X[M,N] + epilogue",
         "fused_softmax",
         with_epilogue({param("M", 128, "rows"), param("N", 128, "softmax length")}), softmax});
  ParamSpec eps = param("EPS", 5, "epsilon 10^-EPS");
  eps.max_value = 30;
  r.add({"fused_layer_norm",
         "a network's layer normalization over the last axis of X[M,N] + epilogue",
         "fused_layer_norm",
         with_epilogue({param("M", 128, "rows"), param("N", 768, "length"), eps}), layer_norm});
}

}  // namespace worldtune::ir
