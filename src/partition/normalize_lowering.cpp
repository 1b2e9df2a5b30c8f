/// \file Lowering of the normalizations over the last axis: Softmax, LayerNormalization and its
/// decomposed form (from its first ReduceMean; a ReduceMean over H and W is a global pool).
#include <cmath>
#include <sstream>

#include "partition/lowering.h"

namespace worldtune::partition {

namespace {

/// An anchor over rows of the last axis of `x`, writing the node's output `value` dense.
Anchor rows_anchor(Lowering &L, const std::string &op, int x, int value, std::vector<int> nodes) {
  const View v = L.input(x);
  const int64_t n = v.shape.back(), m = v.elements() / n;
  Anchor a;
  a.op = op;
  a.params = {{"M", m}, {"N", n}};
  a.inputs = {L.dense(v, L.graph().value(x).name)};
  a.shape = {m, n};
  a.out = View::dense(-1, L.shape(value));
  a.value = value;
  a.nodes = std::move(nodes);
  return a;
}

void lower_softmax(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  L.finish(rows_anchor(L, "fused_softmax", nd.inputs[0], nd.outputs[0], {n}));
}

/// fused_layer_norm's EPS field for `epsilon` (10^-EPS); refuses other values.
int64_t eps_field(const Lowering &L, int n, double epsilon) {
  const double e = std::round(-std::log10(epsilon));
  if (!(epsilon > 0) || e < 1 || e > 30 ||
      std::fabs(std::pow(10.0, -e) - epsilon) > 1e-3 * epsilon) {
    std::ostringstream why;
    why << "epsilon " << epsilon << " is not a power of ten (fused_layer_norm takes 1e-1 .. 1e-30)";
    L.refuse(n, why.str());
  }
  return static_cast<int64_t>(e);
}

void lower_layer_norm(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const size_t rank = L.shape(nd.inputs[0]).size();
  if (axis_of(nd.get_int("axis", -1), rank) != static_cast<int64_t>(rank) - 1)
    L.refuse(n, "only a normalization over the last axis");
  Anchor a = rows_anchor(L, "fused_layer_norm", nd.inputs[0], nd.outputs[0], {n});
  a.params["EPS"] = eps_field(L, n, nd.get_float("epsilon", 1e-5));
  a.scale = L.constant(nd.inputs[1])->data;
  if (nd.inputs.size() > 2 && nd.inputs[2] >= 0) a.bias = L.constant(nd.inputs[2])->data;
  L.finish(a);
}

void lower_reduce_mean(Lowering &L, int n) {
  if (lower_spatial_mean(L, n)) return;
  std::optional<LayerNormMatch> m = match_layer_norm(L, n);
  if (!m)
    L.refuse(n,
             "a ReduceMean is lowered only as a global average pool (over H and W) or as part "
             "of a layer normalization");
  for (int node : m->nodes) L.claim(node);
  Anchor a =
      rows_anchor(L, "fused_layer_norm", m->input, L.node(m->nodes.back()).outputs[0], m->nodes);
  a.params["EPS"] = eps_field(L, n, m->epsilon);
  L.finish(a);
  for (int node : m->nodes) L.mark_done(node);
}

}  // namespace

void register_normalize_lowerings(LoweringTable &t) {
  t.add({"Softmax", lower_softmax, nullptr});
  t.add({"LayerNormalization", lower_layer_norm, nullptr});
  t.add({"ReduceMean", lower_reduce_mean, nullptr});
}

}  // namespace worldtune::partition
