/// \file Elementwise operators: binary arithmetic with broadcasting and the activations.
#include "net/ops/net_ops.h"

namespace worldtune::net {

void register_elementwise_ops(NetOpRegistry &r) {
  for (const char *op : {"Add", "Sub", "Mul", "Div", "Pow"}) r.add({op, 2, 2, 1, {}, nullptr});
  for (const char *op : {"Relu", "Sigmoid", "Sqrt", "Erf"}) r.add({op, 1, 1, 1, {}, nullptr});
  // ReLU6 and friends; min and max are inputs since opset 11, attributes before.
  r.add({"Clip", 1, 3, 1, {any_float("min"), any_float("max")}, [](const Node &n, const Graph &g) {
           return needs_constants(n, g, 1);
         }});
  r.add({"Gelu", 1, 1, 1, {string_in("approximate", {"none", "tanh"})}, nullptr});
}

}  // namespace worldtune::net
