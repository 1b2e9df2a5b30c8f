/// \file Layout operators: Reshape, Transpose, Concat, Flatten and Identity. (Constant nodes become
/// constant values at import and are no nodes of the graph.)
#include "net/ops/net_ops.h"

namespace worldtune::net {

void register_layout_ops(NetOpRegistry &r) {
  r.add({"Reshape", 2, 2, 1, {int_in("allowzero", {0})}, [](const Node &n, const Graph &g) {
           return needs_constants(n, g, 1);
         }});
  r.add({"Transpose", 1, 1, 1, {any_ints("perm")}, nullptr});
  r.add({"Concat", 1, 1 << 16, 1, {any_int("axis")}, nullptr});
  r.add({"Flatten", 1, 1, 1, {any_int("axis")}, nullptr});
  r.add({"Identity", 1, 1, 1, {}, nullptr});  // the exporter's alias of a shared constant
}

}  // namespace worldtune::net
