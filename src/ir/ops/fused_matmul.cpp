/// \file A network's matrix-product subgraphs, each + epilogue (src/ir/ops/epilogue.cpp):
/// fused_dense (weights [N,K] as TVM's dense, or packed [N/B,K,B]), fused_batch_matmul (two
/// activations), and the two products of multi-head attention read straight from the [B,L,H*D]
/// projections, with the head split and merge transposes folded into their indexing (Ansor's TBG
/// subgraph).
#include "ir/ops/ops.h"

namespace worldtune::ir {

namespace {

/// Packed weights (B > 1) are [N/B,K,B]: the B output features a tile reads next lie side by
/// side, as TVM's x86 dense packs them (its dense_pack), rather than K floats apart.
ComputeDAG dense(const ParamMap &p) {
  const int64_t M = p.at("M"), N = p.at("N"), K = p.at("K"), B = p.at("B");
  check_divisible(N, "N", B, "B");
  DagBuilder b;
  Tensor X = b.placeholder("X", {M, K});
  Tensor W = B > 1 ? b.placeholder("W", {N / B, K, B}) : b.placeholder("W", {N, K});
  auto weight = [&](const Expr &j, const Expr &k) -> Expr {
    return B > 1 ? W(floordiv(j, Expr(B)), k, floormod(j, Expr(B))) : W(j, k);
  };
  Tensor Y =
      b.reduce("dense", {{"i", M}, {"j", N}}, {{"k", K}}, ReduceKind::Sum,
               [&](const Vars &s, const Vars &k) { return X(s[0], k[0]) * weight(s[1], k[0]); });
  apply_epilogue(b, Y, p);
  return b.build();
}

ComputeDAG batch_matmul(const ParamMap &p) {
  const int64_t B = p.at("B"), M = p.at("M"), N = p.at("N"), K = p.at("K");
  DagBuilder b;
  Tensor X = b.placeholder("X", {B, M, K});
  Tensor Y = b.placeholder("Y", {B, K, N});
  Tensor Z = b.reduce(
      "batch_matmul", {{"b", B}, {"i", M}, {"j", N}}, {{"k", K}}, ReduceKind::Sum,
      [&](const Vars &s, const Vars &k) { return X(s[0], s[1], k[0]) * Y(s[0], k[0], s[2]); });
  apply_epilogue(b, Z, p);
  return b.build();
}

/// scores[b,h,i,j] = sum_d Q[b,i,h,d] * K[b,j,h,d] (Q times K transposed, per head), or
/// context[b,i,h,d] = sum_j P[b,h,i,j] * V[b,j,h,d] (the heads' weighted values, written back in
/// [B,L,H,D], that is [B,L,H*D], order).
ComputeDAG attention(const ParamMap &p, bool scores) {
  const int64_t B = p.at("B"), L = p.at("L"), H = p.at("H"), D = p.at("D");
  DagBuilder b;
  Tensor X = scores ? b.placeholder("Q", {B, L, H, D}) : b.placeholder("P", {B, H, L, L});
  Tensor Y = b.placeholder(scores ? "K" : "V", {B, L, H, D});
  std::vector<Axis> axes = {{"b", B}, {"h", H}, {"i", L}, {"j", L}};
  if (!scores) axes = {{"b", B}, {"i", L}, {"h", H}, {"d", D}};
  Tensor out = b.reduce(scores ? "scores" : "context", axes, {{scores ? "d" : "j", scores ? D : L}},
                        ReduceKind::Sum, [&](const Vars &s, const Vars &k) {
                          if (scores) return X(s[0], s[2], s[1], k[0]) * Y(s[0], s[3], s[1], k[0]);
                          return X(s[0], s[2], s[1], k[0]) * Y(s[0], k[0], s[2], s[3]);
                        });
  apply_epilogue(b, out, p);
  return b.build();
}

std::vector<ParamSpec> attention_params() {
  return with_epilogue({param("B", 1, "batch"), param("L", 128, "sequence length"),
                        param("H", 12, "heads"), param("D", 64, "head dimension")});
}

}  // namespace

void register_fused_matmul(WorkloadRegistry &r) {
  r.add({"fused_dense", "a network's dense subgraph: Y[M,N] = X[M,K] . W[N,K]^T + epilogue",
         "fused_dense",
         with_epilogue({param("M", 128, "rows (batch x sequence)"),
                        param("N", 768, "output features"), param("K", 768, "input features"),
                        late_param("B", 1, "weights' block of output features (1: unpacked)")}),
         dense});
  r.add({"fused_batch_matmul", "Z[B,M,N] = X[B,M,K] . Y[B,K,N] + epilogue", "fused_batch_matmul",
         with_epilogue({param("B", 12, "batch"), param("M", 128, "rows"),
                        param("N", 128, "columns"), param("K", 64, "reduction length")}),
         batch_matmul});
  r.add({"fused_attention_scores", "attention scores Q.K^T per head from [B,L,H,D] + epilogue",
         "fused_attention_scores", attention_params(),
         [](const ParamMap &p) { return attention(p, true); }});
  r.add({"fused_attention_context", "attention context P.V per head, out [B,L,H,D] + epilogue",
         "fused_attention_context", attention_params(),
         [](const ParamMap &p) { return attention(p, false); }});
}

}  // namespace worldtune::ir
