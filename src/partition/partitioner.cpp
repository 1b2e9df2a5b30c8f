/// \file The partitioner's driver: nodes in order, each lowered by its op's rule, anchors grown
/// into fused calls, constants folded with the ops' reference evaluations.
#include "partition/partitioner.h"

#include <algorithm>

#include "net/op_registry.h"
#include "partition/lowering.h"
#include "worldtune/error.h"

namespace worldtune::partition {

const LoweringTable &LoweringTable::global() {
  static const LoweringTable table = [] {
    LoweringTable t;
    register_conv_lowerings(t);
    register_matmul_lowerings(t);
    register_normalize_lowerings(t);
    register_layout_lowerings(t);
    register_elementwise_lowerings(t);
    return t;
  }();
  return table;
}

void LoweringTable::add(LoweringRule rule) {
  WT_ASSERT(rules_.count(rule.op) == 0, "two lowerings of " << rule.op);
  rules_[rule.op] = std::move(rule);
}

const LoweringRule *LoweringTable::find(const std::string &op) const {
  auto it = rules_.find(op);
  return it == rules_.end() ? nullptr : &it->second;
}

Lowering::Lowering(const net::Graph &graph)
    : graph_(graph),
      consumers_(graph.values.size()),
      producer_(graph.values.size(), -1),
      state_(graph.nodes.size(), State::Free) {
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int v : graph.nodes[n].inputs)
      if (v >= 0 && (consumers_[static_cast<size_t>(v)].empty() ||
                     consumers_[static_cast<size_t>(v)].back() != static_cast<int>(n)))
        consumers_[static_cast<size_t>(v)].push_back(static_cast<int>(n));
    for (int v : graph.nodes[n].outputs) producer_[static_cast<size_t>(v)] = static_cast<int>(n);
  }
  out_.source = graph.source;
}

TaskGraph Lowering::run() {
  for (int v : graph_.inputs) {
    const net::Value &value = graph_.value(v);
    out_.inputs.push_back(add_buffer(value.name, value.shape));
    views_[v] = View::dense(out_.inputs.back(), value.shape);
  }
  for (size_t n = 0; n < graph_.nodes.size(); ++n) lower_node(static_cast<int>(n));
  for (int v : graph_.outputs) {
    const net::Value &value = graph_.value(v);
    std::optional<View> view;
    if (const net::HostTensor *c = constant(v))
      view = View::dense(add_constant(value.name + ".constant", value.shape, c->data), value.shape);
    else
      view = this->view(v);
    WT_ASSERT(view.has_value(), "output " << value.name << " was never computed");
    // An output is a buffer of its own that a call writes, never an input or a constant.
    const int b = dense(*view, value.name);
    const bool written =
        !buffer(b).constant && std::count(out_.inputs.begin(), out_.inputs.end(), b) == 0;
    out_.outputs.push_back(written ? b : laid_out(*view, {}, value.name, true));
    out_.output_shapes.push_back(value.shape);
  }
  out_.count_tasks();
  return std::move(out_);
}

void Lowering::lower_node(int n) {
  if (state_[static_cast<size_t>(n)] != State::Free) return;
  const net::Node &nd = node(n);
  const bool all_constant = std::all_of(nd.inputs.begin(), nd.inputs.end(),
                                        [&](int v) { return v < 0 || constant(v) != nullptr; });
  state_[static_cast<size_t>(n)] = State::Busy;
  if (all_constant) {
    std::vector<const net::HostTensor *> ins;
    for (int v : nd.inputs) ins.push_back(v < 0 ? nullptr : constant(v));
    const net::NetOpDefinition *def = net::NetOpRegistry::global().find(nd.op);
    WT_ASSERT(def != nullptr && def->eval, "no reference evaluation of " << nd.op);
    constants_[nd.outputs[0]] = def->eval(nd, ins, shape(nd.outputs[0]));
  } else {
    const LoweringRule *rule = LoweringTable::global().find(nd.op);
    if (rule == nullptr || !rule->lower)
      refuse(n, "worldtune has no fused task that starts at this op (it lowers " + nd.op +
                    " only as part of a pattern)");
    rule->lower(*this, n);
  }
  state_[static_cast<size_t>(n)] = State::Done;
}

const net::HostTensor *Lowering::constant(int value) const {
  auto it = constants_.find(value);
  if (it != constants_.end()) return &it->second;
  const net::Value &v = graph_.value(value);
  if (!v.constant) return nullptr;
  net::HostTensor t{v.shape, v.floats};
  if (v.dtype == net::DType::Int64)
    for (int64_t i : v.ints) t.data.push_back(static_cast<float>(i));
  return &(constants_[value] = std::move(t));
}

std::optional<View> Lowering::view(int value) {
  auto it = views_.find(value);
  if (it != views_.end()) return it->second;
  const int p = producer_[static_cast<size_t>(value)];
  if (p < 0 || state_[static_cast<size_t>(p)] != State::Free) return std::nullopt;
  lower_node(p);
  it = views_.find(value);
  if (it == views_.end()) return std::nullopt;
  return it->second;
}

View Lowering::input(int value) {
  std::optional<View> v = view(value);
  WT_ASSERT(v.has_value(), "input of a free node is not available");
  return *v;
}

const std::vector<int> &Lowering::consumers(int value) const {
  return consumers_[static_cast<size_t>(value)];
}

bool Lowering::is_output(int value) const {
  return std::count(graph_.outputs.begin(), graph_.outputs.end(), value) > 0;
}

int Lowering::sole_consumer(int value) const {
  if (is_output(value)) return -1;
  const std::vector<int> &c = consumers(value);
  return c.size() == 1 && is_free(c[0]) ? c[0] : -1;
}

bool Lowering::is_free(int n) const { return state_[static_cast<size_t>(n)] == State::Free; }

int Lowering::add_buffer(const std::string &name, std::vector<int64_t> shape) {
  out_.buffers.push_back({name, std::move(shape), false, {}});
  return static_cast<int>(out_.buffers.size()) - 1;
}

int Lowering::add_constant(const std::string &name, std::vector<int64_t> shape,
                           std::vector<float> data) {
  out_.buffers.push_back({name, std::move(shape), true, std::move(data)});
  return static_cast<int>(out_.buffers.size()) - 1;
}

int Lowering::dense(const View &v, const std::string &name) { return laid_out(v, {}, name); }

int Lowering::laid_out(const View &v, std::vector<int> order, const std::string &name, bool copy) {
  if (order.empty())
    for (size_t a = 0; a < v.shape.size(); ++a) order.push_back(static_cast<int>(a));
  const View want = View::stored(v.buffer, v.shape, order);
  bool same = !copy && v.elements() == buffer(v.buffer).elements();
  for (size_t a = 0; a < v.shape.size(); ++a)
    same = same && (v.shape[a] == 1 || v.strides[a] == want.strides[a]);
  if (same) return v.buffer;
  std::optional<std::vector<int>> from = v.storage_order();
  WT_ASSERT(from.has_value(), "a view that is not a permuted dense buffer");
  // The copy transposes the non-unit axes from their stored order to `order`, as a rank-4
  // fused_elementwise (leading unit axes pad it).
  std::vector<int> src, dst;
  for (int a : *from)
    if (v.shape[static_cast<size_t>(a)] != 1) src.push_back(a);
  for (int a : order)
    if (v.shape[static_cast<size_t>(a)] != 1) dst.push_back(a);
  WT_USER_CHECK(
      src.size() <= 4, BadNetwork,
      graph_.source << ": value '" << name << "' needs a layout change of more than 4 axes");
  const size_t lead = 4 - src.size();
  ir::ParamMap p;
  for (size_t k = 0; k < 4; ++k) {
    p["D" + std::to_string(k)] = k < lead ? 1 : v.shape[static_cast<size_t>(src[k - lead])];
    const auto at =
        k < lead ? k
                 : lead + static_cast<size_t>(std::find(src.begin(), src.end(), dst[k - lead]) -
                                              src.begin());
    p["P" + std::to_string(k)] = static_cast<int64_t>(at);
  }
  return emit("fused_elementwise", no_epilogue(p), {v.buffer}, name + ".relaid",
              permuted(v.shape, order), {});
}

int Lowering::emit(const std::string &op, const ir::ParamMap &params, std::vector<int> inputs,
                   const std::string &name, std::vector<int64_t> shape, std::vector<int> nodes) {
  const ir::OpDefinition *def = ir::WorkloadRegistry::global().find(op);
  WT_ASSERT(def != nullptr, "no IR op " << op);
  const int output = add_buffer(name, std::move(shape));
  out_.calls.push_back({ir::WorkloadRegistry::canonical_key(*def, params), std::move(inputs),
                        output, std::move(nodes)});
  return output;
}

void Lowering::refuse(int n, const std::string &why) const {
  WT_USER_CHECK(false, BadNetwork, graph_.source << ": " << node(n).label() << ": " << why);
  std::abort();
}

TaskGraph partition(const net::Graph &graph) { return Lowering(graph).run(); }

// Shared helpers.

ir::ParamMap no_epilogue(ir::ParamMap anchor) {
  for (const char *f : {"SCALE", "BIAS", "ACT", "RES", "POST"}) anchor[f] = 0;
  return anchor;
}

int64_t axis_of(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

std::optional<std::vector<float>> channel_vector(const net::HostTensor &c, const View &out,
                                                 int64_t channels) {
  if (c.shape.size() > out.shape.size()) return std::nullopt;
  int channel_axis = -1;
  for (size_t a = 0; a < out.shape.size(); ++a)
    if (out.shape[a] != 1 && out.strides[a] == 1) channel_axis = static_cast<int>(a);
  const size_t lead = out.shape.size() - c.shape.size();
  bool varies = false;
  for (size_t k = 0; k < c.shape.size(); ++k) {
    if (c.shape[k] == 1) continue;
    if (static_cast<int>(k + lead) != channel_axis || c.shape[k] != channels) return std::nullopt;
    varies = true;
  }
  if (!varies) return std::vector<float>(static_cast<size_t>(channels), c.data.at(0));
  return c.data;
}

}  // namespace worldtune::partition
