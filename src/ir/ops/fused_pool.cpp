/// \file A network's pooling subgraphs, NHWC, each + epilogue (src/ir/ops/epilogue.cpp):
/// fused_pool2d (max, or mean over the window's elements inside the image or inside the padded
/// image, ONNX's count_include_pad) and fused_global_pool (mean over H and W, out [N,C]).
#include <limits>

#include "ir/ops/ops.h"

namespace worldtune::ir {

namespace {

enum class PoolMode : int64_t { Max = 0, AvgInside = 1, AvgPadded = 2 };

/// How many of the window's rows starting at `start` (padded coordinates) lie inside [0, extent).
Expr inside(Expr start, int64_t kernel, int64_t pad, int64_t extent) {
  return min(start - Expr(pad) + Expr(kernel), Expr(extent)) - max(start - Expr(pad), Expr(0));
}

ComputeDAG pool2d(const ParamMap &p) {
  const int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), C = p.at("C"), K = p.at("K"),
                S = p.at("S"), P = p.at("P");
  const auto mode = static_cast<PoolMode>(p.at("MODE"));
  const int64_t OH = conv_out_extent(H, K, S, P, 1, "H"), OW = conv_out_extent(W, K, S, P, 1, "W");
  DagBuilder b;
  Tensor X = b.placeholder("X", {N, H, W, C});
  const double fill = mode == PoolMode::Max ? -std::numeric_limits<float>::max() : 0.0;
  Tensor in = P > 0 ? pad(b, "pad", X, {0, P, P, 0}, {0, P, P, 0}, fill) : X;
  std::vector<Axis> axes = {{"n", N}, {"h", OH}, {"w", OW}, {"c", C}};
  Tensor acc = b.reduce("pool", axes, {{"rh", K}, {"rw", K}},
                        mode == PoolMode::Max ? ReduceKind::Max : ReduceKind::Sum,
                        [&](const Vars &s, const Vars &r) {
                          return in(s[0], s[1] * Expr(S) + r[0], s[2] * Expr(S) + r[1], s[3]);
                        });
  Tensor out = acc;
  if (mode == PoolMode::AvgPadded)
    out = b.compute("mean", axes, [&](const Vars &s) { return acc(s) / Expr(double(K * K)); });
  if (mode == PoolMode::AvgInside)
    out = b.compute("mean", axes, [&](const Vars &s) {
      return acc(s) / (inside(s[1] * Expr(S), K, P, H) * inside(s[2] * Expr(S), K, P, W));
    });
  apply_epilogue(b, out, p);
  return b.build();
}

ComputeDAG global_pool(const ParamMap &p) {
  const int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), C = p.at("C");
  DagBuilder b;
  Tensor X = b.placeholder("X", {N, H, W, C});
  Tensor sum = b.reduce("pool_sum", {{"n", N}, {"c", C}}, {{"rh", H}, {"rw", W}}, ReduceKind::Sum,
                        [&](const Vars &s, const Vars &r) { return X(s[0], r[0], r[1], s[1]); });
  Tensor mean = b.compute("mean", {{"n", N}, {"c", C}},
                          [&](const Vars &s) { return sum(s) * Expr(1.0 / double(H * W)); });
  apply_epilogue(b, mean, p);
  return b.build();
}

}  // namespace

void register_fused_pool(WorkloadRegistry &r) {
  ParamSpec mode = param("MODE", 0, "0 max, 1 mean inside the image, 2 mean inside the padding", 0);
  mode.max_value = 2;
  r.add({"fused_pool2d", "a network's 2-D pooling subgraph, NHWC + epilogue", "fused_pool2d",
         with_epilogue({param("N", 1, "batch"), param("H", 56, "input height"),
                        param("W", 56, "input width"), param("C", 64, "channels"),
                        param("K", 3, "window size"), param("S", 2, "stride"),
                        param("P", 1, "padding", 0), mode}),
         pool2d});
  r.add({"fused_global_pool", "mean over H and W of X[N,H,W,C], out [N,C] + epilogue",
         "fused_global_pool",
         with_epilogue({param("N", 1, "batch"), param("H", 7, "height"), param("W", 7, "width"),
                        param("C", 512, "channels")}),
         global_pool});
}

}  // namespace worldtune::ir
