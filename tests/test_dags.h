/// \file Small programs shared by the tests, including Ansor's unit-test workloads.
#pragma once

#include <memory>

#include "ir/compute_dag.h"
#include "ir/workload.h"

namespace worldtune::testing {

inline std::shared_ptr<const ir::ComputeDAG> dag_of(const std::string &key) {
  return ir::parse_workload(key).dag;
}

/// TVM's conv2d_nchw_bn_relu test workload (N, H, W, CI, CO, K, S, P), NCHW.
inline std::shared_ptr<const ir::ComputeDAG> conv2d_nchw_bn_relu(int64_t N, int64_t H, int64_t W,
                                                                 int64_t CI, int64_t CO, int64_t K,
                                                                 int64_t S, int64_t P) {
  using namespace ir;
  DagBuilder b;
  Tensor data = b.placeholder("data", {N, CI, H, W});
  Tensor kernel = b.placeholder("kernel", {CO, CI, K, K});
  Tensor bias = b.placeholder("bias", {CO, 1, 1});
  Tensor scale = b.placeholder("bn_scale", {CO, 1, 1});
  Tensor offset = b.placeholder("bn_offset", {CO, 1, 1});
  int64_t OH = (H + 2 * P - K) / S + 1, OW = (W + 2 * P - K) / S + 1;
  Tensor padded = pad(b, "pad", data, {0, 0, P, P}, {0, 0, P, P});
  std::vector<Axis> out = {{"nn", N}, {"ff", CO}, {"yy", OH}, {"xx", OW}};
  Tensor conv = b.reduce("conv", out, {{"rc", CI}, {"ry", K}, {"rx", K}}, ReduceKind::Sum,
                         [&](const Vars &s, const Vars &r) {
                           return padded(s[0], r[0], s[2] * Expr(S) + r[1], s[3] * Expr(S) + r[2]) *
                                  kernel(s[1], r[0], r[1], r[2]);
                         });
  Tensor add = b.compute("bias_add", out,
                         [&](const Vars &s) { return conv(s) + bias(s[1], Expr(0), Expr(0)); });
  Tensor mul = b.compute("bn_mul", out,
                         [&](const Vars &s) { return add(s) * scale(s[1], Expr(0), Expr(0)); });
  Tensor badd = b.compute("bn_add", out,
                          [&](const Vars &s) { return mul(s) + offset(s[1], Expr(0), Expr(0)); });
  b.compute("relu", out, [&](const Vars &s) { return max(badd(s), Expr(0.0)); });
  return std::make_shared<const ComputeDAG>(b.build());
}

/// C = A . B, E = C . D (TVM's double matmul).
inline std::shared_ptr<const ir::ComputeDAG> double_matmul(int64_t n) {
  using namespace ir;
  DagBuilder b;
  Tensor A = b.placeholder("A", {n, n});
  Tensor B = b.placeholder("B", {n, n});
  Tensor C = b.reduce("C", {{"i", n}, {"j", n}}, {{"k", n}}, ReduceKind::Sum,
                      [&](const Vars &s, const Vars &k) { return A(s[0], k[0]) * B(k[0], s[1]); });
  Tensor D = b.placeholder("D", {n, n});
  b.reduce("E", {{"i", n}, {"j", n}}, {{"k", n}}, ReduceKind::Sum,
           [&](const Vars &s, const Vars &k) { return C(s[0], k[0]) * D(k[0], s[1]); });
  return std::make_shared<const ComputeDAG>(b.build());
}

/// min over the last axis of a [n, m] tensor.
inline std::shared_ptr<const ir::ComputeDAG> min_reduce(int64_t n, int64_t m) {
  using namespace ir;
  DagBuilder b;
  Tensor A = b.placeholder("A", {n, m});
  b.reduce("min", {{"i", n}}, {{"k", m}}, ReduceKind::Min,
           [&](const Vars &s, const Vars &k) { return A(s[0], k[0]); });
  return std::make_shared<const ComputeDAG>(b.build());
}

/// A zero-rank reduction: sum of all elements of a [n, m] tensor into a 1-element tensor.
inline std::shared_ptr<const ir::ComputeDAG> zero_rank_reduce(int64_t n, int64_t m) {
  using namespace ir;
  DagBuilder b;
  Tensor A = b.placeholder("A", {n, m});
  b.reduce("sum", {{"o", 1}}, {{"i", n}, {"k", m}}, ReduceKind::Sum,
           [&](const Vars &, const Vars &r) { return A(r[0], r[1]); });
  return std::make_shared<const ComputeDAG>(b.build());
}

/// 2-D max pooling (NCHW, 2x2, stride 2) after padding.
inline std::shared_ptr<const ir::ComputeDAG> max_pool2d(int64_t n, int64_t c, int64_t h) {
  using namespace ir;
  DagBuilder b;
  Tensor X = b.placeholder("X", {n, c, h, h});
  Tensor padded = pad(b, "pad", X, {0, 0, 1, 1}, {0, 0, 1, 1});
  int64_t oh = (h + 2 - 2) / 2 + 1;
  b.reduce("pool", {{"n", n}, {"c", c}, {"h", oh}, {"w", oh}}, {{"rh", 2}, {"rw", 2}},
           ReduceKind::Max, [&](const Vars &s, const Vars &r) {
             return padded(s[0], s[1], s[2] * Expr(2) + r[0], s[3] * Expr(2) + r[1]);
           });
  return std::make_shared<const ComputeDAG>(b.build());
}

}  // namespace worldtune::testing
