/// \file Lowering of the layout ops: Reshape, Flatten, Transpose, Identity and a zero-width Pad
/// change views only (a Reshape that strides forbid reads a dense copy; a Pad before an average
/// pool becomes its padding); Concat becomes fused_concat along the axis as its inputs are stored
/// (channels of NHWC images need no copy), a chain of them where it has more inputs than one
/// fused_concat joins.
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

/// PyTorch exports an average pool that counts padded zeros as a Pad and a pool: a Pad of zero
/// width is its input, one of some width becomes the pool's padding; other padding is no kernel
/// of worldtune's yet.
void lower_pad(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  if (L.shape(nd.inputs[0]) == L.shape(nd.outputs[0])) return lower_identity(L, n);
  if (!lower_padded_pool(L, n))
    L.refuse(n,
             "padding as a node of its own is supported only in front of an average pool "
             "without pads, equal around H and W");
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

/// fused_concat's fields of parts of `widths` columns, side by side in `outer` rows.
ir::ParamMap concat_params(int64_t outer, const std::vector<int64_t> &widths) {
  ir::ParamMap p{{"M", outer}};
  for (size_t i = 0; i < kConcatInputs; ++i)
    p["C" + std::to_string(i)] = i < widths.size() ? widths[i] : 0;
  return p;
}

/// Joins the first kConcatInputs parts into one buffer while there are more parts than one
/// fused_concat takes (a concat is associative, so the joined parts stay in order).
void join_leading_parts(Lowering &L, int n, int64_t outer, std::vector<int> &parts,
                        std::vector<int64_t> &widths) {
  const std::string name = L.graph().value(L.node(n).outputs[0]).name;
  while (parts.size() > kConcatInputs) {
    const auto k = static_cast<long>(kConcatInputs);
    const std::vector<int64_t> first(widths.begin(), widths.begin() + k);
    const int64_t joined = std::accumulate(first.begin(), first.end(), int64_t{0});
    const int b = L.emit("fused_concat", concat_params(outer, first),
                         std::vector<int>(parts.begin(), parts.begin() + k),
                         name + ".part" + std::to_string(parts.size()), {outer, joined}, {n});
    parts.erase(parts.begin() + 1, parts.begin() + k);
    widths.erase(widths.begin() + 1, widths.begin() + k);
    parts[0] = b;
    widths[0] = joined;
  }
}

void lower_concat(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  std::vector<View> in;
  for (int v : nd.inputs) in.push_back(L.input(v));
  if (in.size() == 1) return L.set_view(nd.outputs[0], in[0]);
  const std::vector<int64_t> &out = L.shape(nd.outputs[0]);
  const int64_t axis = axis_of(nd.get_int("axis", 0), out.size());
  const std::vector<int> order = common_order(in);
  const std::vector<int64_t> stored = permuted(out, order);
  const auto at = static_cast<size_t>(std::find(order.begin(), order.end(), axis) - order.begin());
  const int64_t outer = std::accumulate(stored.begin(), stored.begin() + static_cast<long>(at),
                                        int64_t{1}, std::multiplies<>());
  const int64_t inner = std::accumulate(stored.begin() + static_cast<long>(at) + 1, stored.end(),
                                        int64_t{1}, std::multiplies<>());
  std::vector<int> parts;
  std::vector<int64_t> widths;
  for (size_t i = 0; i < in.size(); ++i) {
    parts.push_back(L.laid_out(in[i], order, L.graph().value(nd.inputs[i]).name));
    widths.push_back(in[i].shape[static_cast<size_t>(axis)] * inner);
  }
  join_leading_parts(L, n, outer, parts, widths);
  Anchor a;
  a.op = "fused_concat";
  a.params = concat_params(outer, widths);
  a.inputs = parts;
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
  t.add({"Pad", lower_pad, nullptr});
  t.add({"Concat", lower_concat, nullptr});
}

}  // namespace worldtune::partition
