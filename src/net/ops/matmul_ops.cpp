/// \file Gemm (a dense layer: Y = alpha * A . B' + beta * C) and MatMul (batched, broadcast).
#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

/// C[M,N] (+)= A[M,K] . B[K,N] (B read as [N,K] when `trans_b`), from the given offsets.
void matmul_block(const float *a, const float *b, float *c, int64_t m, int64_t n, int64_t k,
                  bool trans_b) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l) acc += a[i * k + l] * (trans_b ? b[j * k + l] : b[l * n + j]);
      c[i * n + j] = static_cast<float>(acc);
    }
}

HostTensor gemm(const Node &node, const std::vector<const HostTensor *> &in,
                const std::vector<int64_t> &shape) {
  const int64_t m = shape[0], n = shape[1], k = in[0]->shape[1];
  const bool trans_b = node.get_int("transB", 0) != 0;
  HostTensor out{shape, std::vector<float>(static_cast<size_t>(m * n))};
  matmul_block(in[0]->data.data(), in[1]->data.data(), out.data.data(), m, n, k, trans_b);
  const float alpha = static_cast<float>(node.get_float("alpha", 1)),
              beta = static_cast<float>(node.get_float("beta", 1));
  const HostTensor zero{{1}, {0.0f}};
  const HostTensor &c = in.size() > 2 && in[2] != nullptr ? *in[2] : zero;
  return broadcast_binary(out, c, shape, [&](float y, float z) { return alpha * y + beta * z; });
}

/// Batched over the leading axes, which broadcast (each matrix a unit of the batch shape).
HostTensor matmul(const Node &, const std::vector<const HostTensor *> &in,
                  const std::vector<int64_t> &shape) {
  const size_t rank = shape.size();
  const int64_t m = shape[rank - 2], n = shape[rank - 1], k = in[0]->shape.back();
  const std::vector<int64_t> batch(shape.begin(), shape.end() - 2);
  auto batch_of = [](const HostTensor &t) {
    return std::vector<int64_t>(t.shape.begin(), t.shape.end() - 2);
  };
  std::vector<int64_t> ia = broadcast_indices(batch, batch_of(*in[0])),
                       ib = broadcast_indices(batch, batch_of(*in[1]));
  HostTensor out{shape, std::vector<float>(ia.size() * static_cast<size_t>(m * n))};
  for (size_t i = 0; i < ia.size(); ++i)
    matmul_block(in[0]->data.data() + ia[i] * m * k, in[1]->data.data() + ib[i] * k * n,
                 out.data.data() + static_cast<int64_t>(i) * m * n, m, n, k, false);
  return out;
}

}  // namespace

void register_matmul_ops(NetOpRegistry &r) {
  r.add({"Gemm",
         2,
         3,
         1,
         {any_float("alpha"), any_float("beta"), int_in("transA", {0}), int_in("transB", {0, 1})},
         [](const Node &n, const Graph &g) { return needs_constants(n, g, 1); },
         gemm});
  r.add({"MatMul",
         2,
         2,
         1,
         {},
         [](const Node &n, const Graph &g) {
           return input_rank(n, g, 0) >= 2 && input_rank(n, g, 1) >= 2
                      ? std::string()
                      : std::string("both inputs must have rank 2 or more");
         },
         matmul});
}

}  // namespace worldtune::net
