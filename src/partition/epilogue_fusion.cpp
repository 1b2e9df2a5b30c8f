/// \file Growing an anchor's epilogue along the elementwise nodes behind it, and emitting the
/// fused call (Lowering::finish).
#include <algorithm>
#include <cmath>

#include "ir/ops/ops.h"
#include "partition/lowering.h"
#include "worldtune/error.h"

namespace worldtune::partition {

// The elementwise ops' absorbers.

namespace {

using ir::Activation;

int absorber_input(const net::Node &n, int v) {
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (n.inputs[i] == v) return static_cast<int>(i);
  return -1;
}

std::vector<float> &ensure(std::vector<float> &v, int64_t n, float fill) {
  if (v.empty()) v.assign(static_cast<size_t>(n), fill);
  return v;
}

bool take_activation(Epilogue &e, Activation act) {
  const auto code = static_cast<int64_t>(act);
  if (e.stage == Epilogue::Affine) {
    e.act = code;
    e.stage = Epilogue::Activated;
    return true;
  }
  if (e.stage == Epilogue::Residual) {
    e.post = code;
    e.stage = Epilogue::Done;
    return true;
  }
  return false;
}

/// x + c, x - c, x * c, x / c with c a per-channel constant: composes into the affine.
bool take_affine(Epilogue &e, const std::string &op, const net::HostTensor &c, const View &out) {
  if (e.stage != Epilogue::Affine) return false;
  std::optional<std::vector<float>> cv = channel_vector(c, out, e.channels);
  if (!cv) return false;
  for (size_t k = 0; k < cv->size(); ++k) {
    const float x = (*cv)[k];
    if (op == "Add" || op == "Sub") {
      ensure(e.bias, e.channels, 0.0f)[k] += op == "Add" ? x : -x;
      continue;
    }
    const float f = op == "Mul" ? x : 1.0f / x;
    ensure(e.scale, e.channels, 1.0f)[k] *= f;
    if (!e.bias.empty()) e.bias[k] *= f;
  }
  return true;
}

/// x + r or x * r with r another activation of x's shape, laid out as the kernel's output.
bool take_residual(Lowering &L, Epilogue &e, const std::string &op, int r, const View &out) {
  if (e.stage == Epilogue::Residual || e.stage == Epilogue::Done) return false;
  std::optional<View> rv = L.view(r);
  if (!rv || rv->shape != out.shape) return false;
  std::optional<std::vector<int>> order = View{0, out.shape, out.strides}.storage_order();
  WT_ASSERT(order.has_value(), "a kernel output that is not a permuted dense buffer");
  e.residual = L.laid_out(*rv, *order, L.graph().value(r).name);
  e.res = static_cast<int64_t>(op == "Add" ? ir::Residual::Add : ir::Residual::Mul);
  e.stage = Epilogue::Residual;
  return true;
}

}  // namespace

bool Lowering::grow(Anchor &anchor, Epilogue &e, int &value) {
  if (anchor.first < 0) {
    const std::vector<int> gelu = match_gelu(*this, value);
    if (!gelu.empty() && take_activation(e, Activation::Gelu)) {
      for (int g : gelu) state_[static_cast<size_t>(g)] = State::Done;
      anchor.nodes.insert(anchor.nodes.end(), gelu.begin(), gelu.end());
      value = node(gelu.back()).outputs[0];
      return true;
    }
  }
  const int n = anchor.first >= 0 ? anchor.first : sole_consumer(value);
  anchor.first = -1;
  if (n < 0) return false;
  const net::Node &nd = node(n);
  const LoweringRule *rule = LoweringTable::global().find(nd.op);
  if (rule == nullptr || !rule->absorb || absorber_input(nd, value) < 0) return false;
  if (shape(nd.outputs[0]) != shape(value)) return false;  // it broadcasts the value
  claim(n);
  View out = anchor.out;
  out.shape = shape(value);
  if (!rule->absorb(*this, e, n, value, out)) {
    state_[static_cast<size_t>(n)] = State::Free;
    return false;
  }
  state_[static_cast<size_t>(n)] = State::Done;
  anchor.nodes.push_back(n);
  value = nd.outputs[0];
  return true;
}

void Lowering::fold_into_weights(const Anchor &anchor, Epilogue &e) {
  if (anchor.weights < 0 || e.scale.empty()) return;
  Buffer &w = buffer(anchor.weights);
  const std::vector<int64_t> strides = dense_strides(w.shape);
  const int64_t step = strides[static_cast<size_t>(anchor.weights_channel_axis)];
  const int64_t extent = w.shape[static_cast<size_t>(anchor.weights_channel_axis)];
  for (size_t i = 0; i < w.data.size(); ++i)
    w.data[i] *= e.scale[static_cast<size_t>((static_cast<int64_t>(i) / step) % extent)];
  e.scale.clear();
}

void Lowering::pack_weights(const Anchor &anchor) {
  const int64_t block = anchor.weights_block;
  if (anchor.weights < 0 || block <= 1) return;
  Buffer &w = buffer(anchor.weights);
  const auto axis = static_cast<size_t>(anchor.weights_channel_axis);
  const int64_t channels = w.shape[axis], inner = dense_strides(w.shape)[axis];
  const int64_t rows = w.elements() / channels;
  WT_ASSERT(channels % block == 0, "weights of " << channels << " channels in blocks of " << block);
  // Element (outer o, channel c, inner i) goes to [c / block, o * inner + i, c % block].
  std::vector<float> packed(w.data.size());
  for (int64_t at = 0; at < w.elements(); ++at) {
    const int64_t c = (at / inner) % channels;
    const int64_t r = at / (inner * channels) * inner + at % inner;
    packed[static_cast<size_t>(((c / block) * rows + r) * block + c % block)] =
        w.data[static_cast<size_t>(at)];
  }
  w.data = std::move(packed);
  w.shape.erase(w.shape.begin() + static_cast<long>(axis));
  w.shape.push_back(block);
  w.shape.insert(w.shape.begin(), channels / block);
}

void Lowering::finish(Anchor anchor) {
  Epilogue e;
  e.channels = anchor.shape.back();
  e.scale = anchor.scale;
  e.bias = anchor.bias;
  int value = anchor.value;
  const int first = anchor.first;
  while (anchor.takes_epilogue && grow(anchor, e, value)) {
  }
  if (first >= 0 &&
      std::find(anchor.nodes.begin(), anchor.nodes.end(), first) == anchor.nodes.end())
    refuse(first, "its inputs broadcast in a way no fused task computes");
  fold_into_weights(anchor, e);
  pack_weights(anchor);
  ir::ParamMap p = anchor.params;
  if (anchor.takes_epilogue) {
    p = no_epilogue(p);
    const std::string name = graph_.value(value).name;
    if (!e.scale.empty()) {
      p["SCALE"] = 1;
      anchor.inputs.push_back(add_constant(name + ".scale", {e.channels}, e.scale));
    }
    if (!e.bias.empty()) {
      p["BIAS"] = 1;
      anchor.inputs.push_back(add_constant(name + ".bias", {e.channels}, e.bias));
    }
    if (e.residual >= 0) anchor.inputs.push_back(e.residual);
    p["ACT"] = e.act;
    p["RES"] = e.res;
    p["POST"] = e.post;
  }
  const int out =
      emit(anchor.op, p, anchor.inputs, graph_.value(value).name, anchor.shape, anchor.nodes);
  View v = anchor.out;
  v.buffer = out;
  v.shape = shape(value);
  set_view(value, v);
}

namespace {

bool absorb_binary(Lowering &L, Epilogue &e, int n, int v, const View &out) {
  const net::Node &nd = L.node(n);
  const int other = nd.inputs[0] == v ? nd.inputs[1] : nd.inputs[0];
  const bool v_first = nd.inputs[0] == v;
  if (other == v) return false;
  if (!v_first && (nd.op == "Sub" || nd.op == "Div")) return false;  // c - x, c / x
  if (const net::HostTensor *c = L.constant(other)) return take_affine(e, nd.op, *c, out);
  if (nd.op != "Add" && nd.op != "Mul") return false;
  return take_residual(L, e, nd.op, other, out);
}

bool absorb_batch_norm(Lowering &L, Epilogue &e, int n, int, const View &out) {
  const net::Node &nd = L.node(n);
  if (out.shape.size() < 2) return false;
  const net::HostTensor *g = L.constant(nd.inputs[1]), *b = L.constant(nd.inputs[2]),
                        *m = L.constant(nd.inputs[3]), *var = L.constant(nd.inputs[4]);
  if (!g || !b || !m || !var) return false;
  const double eps = nd.get_float("epsilon", 1e-5);
  std::vector<int64_t> per_channel(out.shape.size(), 1);
  per_channel[1] = out.shape[1];
  net::HostTensor scale{per_channel, {}}, shift{per_channel, {}};
  for (size_t c = 0; c < g->data.size(); ++c) {
    const double s = g->data[c] / std::sqrt(static_cast<double>(var->data[c]) + eps);
    scale.data.push_back(static_cast<float>(s));
    shift.data.push_back(static_cast<float>(b->data[c] - m->data[c] * s));
  }
  Epilogue trial = e;
  if (!take_affine(trial, "Mul", scale, out) || !take_affine(trial, "Add", shift, out))
    return false;
  e = trial;
  return true;
}

AbsorbFn activation(Activation act) {
  return [act](Lowering &, Epilogue &e, int, int, const View &) { return take_activation(e, act); };
}

bool absorb_clip(Lowering &L, Epilogue &e, int n, int, const View &) {
  const net::Node &nd = L.node(n);
  auto bound = [&](size_t i, const char *attr, double fallback) -> std::optional<double> {
    if (nd.inputs.size() > i && nd.inputs[i] >= 0) {
      const net::HostTensor *c = L.constant(nd.inputs[i]);
      if (!c || c->data.size() != 1) return std::nullopt;
      return c->data[0];
    }
    return nd.get_float(attr, fallback);
  };
  const std::optional<double> lo = bound(1, "min", -1e30), hi = bound(2, "max", 1e30);
  if (!lo || !hi || *lo != 0.0) return false;
  if (*hi == 6.0) return take_activation(e, Activation::Relu6);
  return *hi >= 1e30 && take_activation(e, Activation::Relu);
}

bool absorb_gelu(Lowering &L, Epilogue &e, int n, int, const View &) {
  const net::Node &nd = L.node(n);
  if (nd.has("approximate") && nd.attributes.at("approximate").s != "none") return false;
  return take_activation(e, Activation::Gelu);
}

/// A node nothing took: a fused_elementwise copy of its activation input, in the order that
/// input is stored, with the node as the copy's epilogue.
void lower_standalone(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const std::vector<int64_t> &out_shape = L.shape(nd.outputs[0]);
  int x = -1;
  for (int v : nd.inputs)
    if (v >= 0 && !L.constant(v) && L.shape(v) == out_shape && x < 0) x = v;
  if (x < 0) L.refuse(n, "its inputs broadcast in a way no fused task computes");
  const View xv = L.input(x);
  std::optional<std::vector<int>> order = xv.storage_order();
  WT_ASSERT(order.has_value(), "a view that is not a permuted dense buffer");
  std::vector<int64_t> stored;
  for (int a : *order)
    if (xv.shape[static_cast<size_t>(a)] != 1) stored.push_back(xv.shape[static_cast<size_t>(a)]);
  if (stored.size() > 4) L.refuse(n, "it works on more than 4 non-unit axes");
  stored.insert(stored.begin(), 4 - stored.size(), 1);
  Anchor a;
  a.op = "fused_elementwise";
  for (size_t k = 0; k < 4; ++k) {
    a.params["D" + std::to_string(k)] = stored[k];
    a.params["P" + std::to_string(k)] = static_cast<int64_t>(k);
  }
  a.inputs = {xv.buffer};
  a.shape = stored;
  a.out = View::stored(-1, xv.shape, *order);
  a.value = x;
  a.first = n;
  L.finish(a);
}

void add_rule(LoweringTable &t, const std::string &op, AbsorbFn absorb) {
  t.add({op, lower_standalone, std::move(absorb)});
}

}  // namespace

void register_elementwise_lowerings(LoweringTable &t) {
  for (const char *op : {"Add", "Sub", "Mul", "Div"}) add_rule(t, op, absorb_binary);
  add_rule(t, "BatchNormalization", absorb_batch_norm);
  add_rule(t, "Relu", activation(Activation::Relu));
  add_rule(t, "Sigmoid", activation(Activation::Sigmoid));
  add_rule(t, "Clip", absorb_clip);
  add_rule(t, "Gelu", absorb_gelu);
}

}  // namespace worldtune::partition
