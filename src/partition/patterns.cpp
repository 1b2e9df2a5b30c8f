/// \file Multi-node patterns that exporters write for one operation (GELU, layer normalization),
/// matched back so that they become one epilogue stage or one anchor.
#include <cmath>

#include "partition/lowering.h"

namespace worldtune::partition {

namespace {

/// The node `value` flows into when it is the only reader and that is an `op` node; else -1.
int next(const Lowering &L, int value, const char *op) {
  const int n = L.sole_consumer(value);
  return n >= 0 && L.node(n).op == op ? n : -1;
}

int output(const Lowering &L, int n) { return L.node(n).outputs[0]; }

/// Whether node n reads `v` and a one-element constant within 1e-4 of `want` (in either order
/// where `ordered` is false).
bool with_constant(const Lowering &L, int n, int v, double want, bool ordered) {
  const net::Node &nd = L.node(n);
  if (nd.inputs.size() != 2) return false;
  const int at = nd.inputs[0] == v ? 0 : (nd.inputs[1] == v && !ordered ? 1 : -1);
  if (at < 0) return false;
  const net::HostTensor *c = L.constant(nd.inputs[static_cast<size_t>(1 - at)]);
  return c != nullptr && c->data.size() == 1 && std::fabs(c->data[0] - want) < 1e-4;
}

bool reads(const Lowering &L, int n, int a, int b) {
  const std::vector<int> &in = L.node(n).inputs;
  return in.size() == 2 && ((in[0] == a && in[1] == b) || (in[0] == b && in[1] == a));
}

/// A ReduceMean of the last axis that keeps it.
bool mean_of_last_axis(const Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const size_t rank = L.shape(nd.inputs[0]).size();
  const std::vector<int64_t> axes = nd.get_ints("axes");
  return nd.op == "ReduceMean" && nd.get_int("keepdims", 1) == 1 && axes.size() == 1 &&
         axis_of(axes[0], rank) == static_cast<int64_t>(rank) - 1;
}

}  // namespace

std::vector<int> match_gelu(const Lowering &L, int x) {
  const std::vector<int> &readers = L.consumers(x);
  if (readers.size() != 2 || L.is_output(x)) return {};
  for (int div : readers) {
    if (!L.is_free(div) || L.node(div).op != "Div" ||
        !with_constant(L, div, x, std::sqrt(2.0), true))
      continue;
    const int erf = next(L, output(L, div), "Erf");
    const int add = erf < 0 ? -1 : next(L, output(L, erf), "Add");
    if (add < 0 || !with_constant(L, add, output(L, erf), 1.0, false)) continue;
    const int mul = next(L, output(L, add), "Mul");
    if (mul < 0 || !reads(L, mul, x, output(L, add))) continue;
    if (readers[0] != mul && readers[1] != mul) continue;
    const int half = next(L, output(L, mul), "Mul");
    if (half < 0 || !with_constant(L, half, output(L, mul), 0.5, false)) continue;
    return {div, erf, add, mul, half};
  }
  return {};
}

std::optional<LayerNormMatch> match_layer_norm(const Lowering &L, int mean) {
  if (!mean_of_last_axis(L, mean)) return std::nullopt;
  const int x = L.node(mean).inputs[0];
  const int sub = next(L, output(L, mean), "Sub");
  if (sub < 0 || L.node(sub).inputs[0] != x || L.node(sub).inputs[1] != output(L, mean))
    return std::nullopt;
  const int dev = output(L, sub);
  const std::vector<int> &readers = L.consumers(dev);
  if (readers.size() != 2) return std::nullopt;
  const int pow = L.node(readers[0]).op == "Pow" ? readers[0] : readers[1];
  const int div = pow == readers[0] ? readers[1] : readers[0];
  if (L.node(pow).op != "Pow" || !with_constant(L, pow, dev, 2.0, true)) return std::nullopt;
  const int var = L.sole_consumer(output(L, pow));
  if (var < 0 || !mean_of_last_axis(L, var)) return std::nullopt;
  const int add = next(L, output(L, var), "Add");
  if (add < 0) return std::nullopt;
  const net::Node &a = L.node(add);
  const int eps_value = a.inputs[0] == output(L, var) ? a.inputs[1] : a.inputs[0];
  const net::HostTensor *eps = L.constant(eps_value);
  if (eps == nullptr || eps->data.size() != 1) return std::nullopt;
  const int sqrt = next(L, output(L, add), "Sqrt");
  if (sqrt < 0 || L.sole_consumer(output(L, sqrt)) != div || !L.is_free(div) ||
      L.node(div).op != "Div" || L.node(div).inputs[0] != dev ||
      L.node(div).inputs[1] != output(L, sqrt))
    return std::nullopt;
  return LayerNormMatch{x, {mean, sub, pow, var, add, sqrt, div}, eps->data[0]};
}

}  // namespace worldtune::partition
