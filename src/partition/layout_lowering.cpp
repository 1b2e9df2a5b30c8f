/// \file Lowering of the layout ops: Reshape, Flatten, Transpose and Identity change views only
/// (a Reshape that strides forbid reads a dense copy); Concat becomes fused_concat along the
/// axis as its inputs are stored (channels of NHWC images need no copy).
#include <numeric>

#include "partition/lowering.h"

namespace worldtune::partition {

namespace {

constexpr size_t kConcatInputs = 4;

void lower_reshape(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const View x = L.input(nd.inputs[0]);
  const std::vector<int64_t> &to = L.shape(nd.outputs[0]);
  std::optional<View> v = x.reshaped(to);
  if (!v) v = View::dense(L.dense(x, L.graph().value(nd.inputs[0]).name), to);
  L.set_view(nd.outputs[0], *v);
}

void lower_transpose(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const View x = L.input(nd.inputs[0]);
  std::vector<int64_t> perm = nd.get_ints("perm");
  if (perm.empty())
    for (size_t a = x.shape.size(); a-- > 0;) perm.push_back(static_cast<int64_t>(a));
  L.set_view(nd.outputs[0], x.transposed(perm));
}

void lower_identity(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  L.set_view(nd.outputs[0], L.input(nd.inputs[0]));
}

/// The order every input is stored in when they agree, else row-major.
std::vector<int> common_order(const std::vector<View> &inputs) {
  std::optional<std::vector<int>> order = inputs[0].storage_order();
  for (const View &v : inputs) {
    if (!order) break;
    std::optional<std::vector<int>> o = v.storage_order();
    if (!o || *o != *order) order.reset();
  }
  if (order) return *order;
  std::vector<int> dense(inputs[0].shape.size());
  std::iota(dense.begin(), dense.end(), 0);
  return dense;
}

void lower_concat(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  std::vector<View> in;
  for (int v : nd.inputs) in.push_back(L.input(v));
  if (in.size() > kConcatInputs)
    L.refuse(n, "fused_concat joins at most " + std::to_string(kConcatInputs) + " inputs");
  const std::vector<int64_t> &out = L.shape(nd.outputs[0]);
  const int64_t axis = axis_of(nd.get_int("axis", 0), out.size());
  const std::vector<int> order = common_order(in);
  const std::vector<int64_t> stored = permuted(out, order);
  const auto at = static_cast<size_t>(std::find(order.begin(), order.end(), axis) - order.begin());
  const int64_t outer = std::accumulate(stored.begin(), stored.begin() + static_cast<long>(at),
                                        int64_t{1}, std::multiplies<>());
  const int64_t inner = std::accumulate(stored.begin() + static_cast<long>(at) + 1, stored.end(),
                                        int64_t{1}, std::multiplies<>());
  Anchor a;
  a.op = "fused_concat";
  a.params["M"] = outer;
  for (size_t i = 0; i < kConcatInputs; ++i) {
    a.params["C" + std::to_string(i)] =
        i < in.size() ? in[i].shape[static_cast<size_t>(axis)] * inner : 0;
    if (i < in.size())
      a.inputs.push_back(L.laid_out(in[i], order, L.graph().value(nd.inputs[i]).name));
  }
  a.shape = {outer, out[static_cast<size_t>(axis)] * inner};
  a.out = View::stored(-1, out, order);
  a.value = nd.outputs[0];
  a.nodes = {n};
  a.takes_epilogue = false;
  L.finish(a);
}

}  // namespace

void register_layout_lowerings(LoweringTable &t) {
  t.add({"Reshape", lower_reshape, nullptr});
  t.add({"Flatten", lower_reshape, nullptr});
  t.add({"Transpose", lower_transpose, nullptr});
  t.add({"Identity", lower_identity, nullptr});
  t.add({"Concat", lower_concat, nullptr});
}

}  // namespace worldtune::partition
