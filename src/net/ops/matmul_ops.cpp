/// \file Gemm (a dense layer: Y = alpha * A . B' + beta * C) and MatMul (batched, broadcast).
#include "net/ops/net_ops.h"

namespace worldtune::net {

void register_matmul_ops(NetOpRegistry &r) {
  r.add({"Gemm",
         2,
         3,
         1,
         {any_float("alpha"), any_float("beta"), int_in("transA", {0}), int_in("transB", {0, 1})},
         [](const Node &n, const Graph &g) { return needs_constants(n, g, 1); }});
  r.add({"MatMul", 2, 2, 1, {}, [](const Node &n, const Graph &g) {
           return input_rank(n, g, 0) >= 2 && input_rank(n, g, 1) >= 2
                      ? std::string()
                      : std::string("both inputs must have rank 2 or more");
         }});
}

}  // namespace worldtune::net
