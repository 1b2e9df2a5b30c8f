/// \file Layout operators: Reshape, Transpose, Concat, Flatten, Identity and Pad (zeros around
/// a tensor). (Constant nodes become constant values at import and are no nodes of the graph.)
#include <algorithm>

#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

/// Reshape, Flatten, Identity: the same elements in the same order, another shape.
HostTensor same_elements(const Node &, const std::vector<const HostTensor *> &in,
                         const std::vector<int64_t> &shape) {
  return {shape, in[0]->data};
}

/// A Reshape keeps the element count (a file that fixes the batch size in a Reshape's target
/// shape does not, once --batch changed it).
std::string same_count(const Node &n, const Graph &g) {
  std::string why = needs_constants(n, g, 1);
  const int64_t in = g.value(n.inputs[0]).elements(), out = g.value(n.outputs[0]).elements();
  if (why.empty() && in != out)
    why = "its target shape has " + std::to_string(out) + " elements, its input " +
          std::to_string(in) + " (does the file fix the batch size that --batch changes?)";
  return why;
}

HostTensor transpose(const Node &n, const std::vector<const HostTensor *> &in,
                     const std::vector<int64_t> &shape) {
  const size_t rank = in[0]->shape.size();
  std::vector<int64_t> perm = n.get_ints("perm");
  if (perm.empty())
    for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  std::vector<int64_t> in_strides = strides_of(in[0]->shape), step(rank);
  for (size_t d = 0; d < rank; ++d) step[d] = in_strides[static_cast<size_t>(perm[d])];
  HostTensor out{shape, {}};
  for (int64_t at : strided_indices(shape, step))
    out.data.push_back(in[0]->data[static_cast<size_t>(at)]);
  return out;
}

HostTensor concat(const Node &n, const std::vector<const HostTensor *> &in,
                  const std::vector<int64_t> &shape) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t axis = n.get_int("axis", 0);
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
  HostTensor out{shape, {}};
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor *t : in) {
      const int64_t block = static_cast<int64_t>(t->data.size()) / outer;
      out.data.insert(out.data.end(), t->data.begin() + o * block,
                      t->data.begin() + (o + 1) * block);
    }
  return out;
}

/// Pad's pads in its evaluation, which sees the pads input as floats.
std::vector<int64_t> pads_of(const Node &n, const std::vector<const HostTensor *> &in) {
  if (n.has("pads")) return n.get_ints("pads");
  if (in.size() < 2 || in[1] == nullptr) return {};
  return {in[1]->data.begin(), in[1]->data.end()};
}

/// Pad in constant mode with zeros, the only padding exporters write as a node of its own (PyTorch
/// pads an average pool that counts padded zeros this way).
std::string zero_padding(const Node &n, const Graph &g) {
  std::string why = needs_constants(n, g, 1);
  if (!why.empty()) return why;
  const std::vector<int64_t> pads = pad_widths(n, g);
  if (pads.size() != 2 * static_cast<size_t>(input_rank(n, g, 0)))
    return "its pads must give a begin and an end for every axis";
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; }))
    return "negative pads (cropping) are not supported";
  const Value *value = n.inputs.size() > 2 && n.inputs[2] >= 0 ? &g.value(n.inputs[2]) : nullptr;
  const bool nonzero = (value && std::any_of(value->floats.begin(), value->floats.end(),
                                             [](float f) { return f != 0; })) ||
                       n.get_float("value", 0) != 0;
  return nonzero ? "only padding with zeros is supported" : "";
}

HostTensor pad(const Node &n, const std::vector<const HostTensor *> &in,
               const std::vector<int64_t> &shape) {
  const std::vector<int64_t> pads = pads_of(n, in);
  const std::vector<int64_t> out_strides = strides_of(shape);
  int64_t origin = 0;
  for (size_t d = 0; d < shape.size(); ++d) origin += pads[d] * out_strides[d];
  int64_t count = 1;
  for (int64_t e : shape) count *= e;
  HostTensor out{shape, std::vector<float>(static_cast<size_t>(count), 0.0f)};
  const std::vector<int64_t> at = strided_indices(in[0]->shape, out_strides);
  for (size_t i = 0; i < at.size(); ++i)
    out.data[static_cast<size_t>(origin + at[i])] = in[0]->data[i];
  return out;
}

}  // namespace

std::vector<int64_t> pad_widths(const Node &pad, const Graph &graph) {
  if (pad.has("pads")) return pad.get_ints("pads");
  if (pad.inputs.size() < 2 || pad.inputs[1] < 0) return {};
  return graph.value(pad.inputs[1]).ints;
}

void register_layout_ops(NetOpRegistry &r) {
  r.add({"Reshape", 2, 2, 1, {int_in("allowzero", {0})}, same_count, same_elements});
  r.add({"Transpose", 1, 1, 1, {any_ints("perm")}, nullptr, transpose});
  r.add({"Concat", 1, 1 << 16, 1, {any_int("axis")}, nullptr, concat});
  r.add({"Flatten", 1, 1, 1, {any_int("axis")}, nullptr, same_elements});
  // The exporter's alias of a shared constant (folded at import); of anything else, a copy.
  r.add({"Identity", 1, 1, 1, {}, nullptr, same_elements});
  r.add({"Pad",
         1,
         3,
         1,
         {string_in("mode", {"constant"}), any_ints("pads"), any_float("value")},
         zero_padding,
         pad});
}

}  // namespace worldtune::net
