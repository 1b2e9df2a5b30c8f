/// \file Normalizations and reductions: BatchNormalization (inference: folded into the conv
/// before it), LayerNormalization, Softmax and ReduceMean (the decomposed LayerNorm's).
#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

/// "" when the node's `axis` attribute (default `fallback`) names the input's last axis.
std::string last_axis_only(const Node &n, const Graph &g, int64_t fallback) {
  const int64_t rank = input_rank(n, g, 0), axis = n.get_int("axis", fallback);
  if (axis == -1 || axis == rank - 1) return "";
  return "only over the last axis (axis -1 or " + std::to_string(rank - 1) + "), got axis " +
         std::to_string(axis);
}

}  // namespace

void register_normalize_ops(NetOpRegistry &r) {
  r.add({"BatchNormalization",
         5,
         5,
         1,
         {any_float("epsilon"), any_float("momentum"), int_in("training_mode", {0}),
          int_in("spatial", {1})},
         [](const Node &n, const Graph &g) { return needs_constants(n, g, 1); }});
  r.add({"LayerNormalization",
         2,
         3,
         1,
         {any_int("axis"), any_float("epsilon"), int_in("stash_type", {1})},
         [](const Node &n, const Graph &g) {
           std::string why = last_axis_only(n, g, -1);
           return why.empty() ? needs_constants(n, g, 1) : why;
         }});
  r.add({"Softmax", 1, 1, 1, {any_int("axis")}, [](const Node &n, const Graph &g) {
           return last_axis_only(n, g, -1);
         }});
  r.add({"ReduceMean", 1, 1, 1, {any_ints("axes"), int_in("keepdims", {0, 1})}, nullptr});
}

}  // namespace worldtune::net
