/// \file Lowering of the matrix products: Gemm and MatMul with constant weights become
/// fused_dense (weights re-laid [N,K], packed [N/16,K,16] after folding); a MatMul of two
/// activations becomes one of attention's products when its operands are the head-split views of
/// [B,L,H*D] projections (the Reshape/Transpose pairs around attention cost nothing then), else
/// fused_batch_matmul.
#include <numeric>

#include "partition/lowering.h"

namespace worldtune::partition {

namespace {

int64_t product(const std::vector<int64_t> &v, size_t from, size_t to) {
  return std::accumulate(v.begin() + static_cast<long>(from), v.begin() + static_cast<long>(to),
                         int64_t{1}, std::multiplies<>());
}

/// Y = X . W^T with X's leading axes as rows; `weights` [N,K] row-major.
void lower_dense(Lowering &L, int n, std::vector<float> weights, int64_t out_features,
                 std::vector<float> bias) {
  const net::Node &nd = L.node(n);
  const View x = L.input(nd.inputs[0]);
  const int64_t k = x.shape.back(), m = x.elements() / k;
  Anchor a;
  a.op = "fused_dense";
  a.params = {{"M", m}, {"N", out_features}, {"K", k}};
  a.weights =
      L.add_constant(L.graph().value(nd.inputs[1]).name, {out_features, k}, std::move(weights));
  a.weights_channel_axis = 0;
  if (out_features % kWeightsBlock == 0) a.weights_block = kWeightsBlock;
  a.params["B"] = a.weights_block;
  a.inputs = {L.dense(x, L.graph().value(nd.inputs[0]).name), a.weights};
  a.shape = {m, out_features};
  a.out = View::dense(-1, L.shape(nd.outputs[0]));
  a.value = nd.outputs[0];
  a.nodes = {n};
  a.bias = std::move(bias);
  L.finish(a);
}

std::vector<float> transposed(const net::HostTensor &w) {
  const int64_t rows = w.shape[0], cols = w.shape[1];
  std::vector<float> t(w.data.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      t[static_cast<size_t>(c * rows + r)] = w.data[static_cast<size_t>(r * cols + c)];
  return t;
}

void lower_gemm(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const net::HostTensor &w = *L.constant(nd.inputs[1]);
  const bool trans_b = nd.get_int("transB", 0) != 0;
  std::vector<float> weights = trans_b ? w.data : transposed(w);
  const int64_t out_features = trans_b ? w.shape[0] : w.shape[1];
  const auto alpha = static_cast<float>(nd.get_float("alpha", 1.0));
  for (float &x : weights) x *= alpha;
  std::vector<float> bias;
  if (nd.inputs.size() > 2 && nd.inputs[2] >= 0) {
    const net::HostTensor &c = *L.constant(nd.inputs[2]);
    std::optional<std::vector<float>> per_column =
        channel_vector(c, View::dense(-1, L.shape(nd.outputs[0])), out_features);
    if (!per_column) L.refuse(n, "its C input must be a scalar or one value per output column");
    bias = std::move(*per_column);
    for (float &x : bias) x *= static_cast<float>(nd.get_float("beta", 1.0));
  }
  lower_dense(L, n, std::move(weights), out_features, std::move(bias));
}

/// The strides of [B,H,L,D] read from a dense [B,L,H,D] buffer (a head split).
std::vector<int64_t> head_split(int64_t l, int64_t h, int64_t d) {
  return {l * h * d, d, h * d, 1};
}

bool whole(Lowering &L, const View &v) { return v.elements() == L.buffer(v.buffer).elements(); }

/// Whether v has `strides` (on its non-unit axes).
bool strided(const View &v, const std::vector<int64_t> &strides) {
  for (size_t a = 0; a < v.shape.size(); ++a)
    if (v.shape[a] != 1 && v.strides[a] != strides[a]) return false;
  return true;
}

Anchor product_anchor(const std::string &op, int n, const net::Node &nd, ir::ParamMap params,
                      std::vector<int> inputs, std::vector<int64_t> shape, View out) {
  Anchor a;
  a.op = op;
  a.params = std::move(params);
  a.inputs = std::move(inputs);
  a.shape = std::move(shape);
  a.out = std::move(out);
  a.value = nd.outputs[0];
  a.nodes = {n};
  return a;
}

/// Q . K^T or P . V of multi-head attention, when the operands are head-split views.
std::optional<Anchor> attention(Lowering &L, int n, const View &a, const View &b) {
  const net::Node &nd = L.node(n);
  if (a.shape.size() != 4 || b.shape.size() != 4 || !whole(L, a) || !whole(L, b))
    return std::nullopt;
  const int64_t batch = a.shape[0], heads = a.shape[1], len = a.shape[2];
  if (b.shape[0] != batch || b.shape[1] != heads) return std::nullopt;
  const int64_t d = a.shape[3];
  const std::vector<int64_t> kt = {len * heads * d, d, 1, heads * d};
  if (b.shape[2] == d && b.shape[3] == len && strided(a, head_split(len, heads, d)) &&
      strided(b, kt))
    return product_anchor("fused_attention_scores", n, nd,
                          {{"B", batch}, {"L", len}, {"H", heads}, {"D", d}}, {a.buffer, b.buffer},
                          {batch, heads, len, len}, View::dense(-1, L.shape(nd.outputs[0])));
  const int64_t dv = b.shape[3];
  if (a.shape[3] == len && b.shape[2] == len && a.is_dense() &&
      strided(b, head_split(len, heads, dv)))
    return product_anchor("fused_attention_context", n, nd,
                          {{"B", batch}, {"L", len}, {"H", heads}, {"D", dv}}, {a.buffer, b.buffer},
                          {batch, len, heads, dv},
                          View::stored(-1, L.shape(nd.outputs[0]), {0, 2, 1, 3}));
  return std::nullopt;
}

void lower_matmul(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  if (const net::HostTensor *w = L.constant(nd.inputs[1])) {
    if (w->shape.size() != 2) L.refuse(n, "constant weights must be a matrix [K, N]");
    lower_dense(L, n, transposed(*w), w->shape[1], {});
    return;
  }
  const View a = L.input(nd.inputs[0]), b = L.input(nd.inputs[1]);
  if (std::optional<Anchor> att = attention(L, n, a, b)) {
    L.finish(*att);
    return;
  }
  const size_t rank = a.shape.size();
  if (rank < 2 || b.shape.size() != rank ||
      !std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin()))
    L.refuse(n, "a product of two activations needs equal batch axes (no broadcasting)");
  const int64_t m = a.shape[rank - 2], k = a.shape[rank - 1], cols = b.shape[rank - 1];
  const int64_t batch = product(a.shape, 0, rank - 2);
  L.finish(product_anchor("fused_batch_matmul", n, nd,
                          {{"B", batch}, {"M", m}, {"N", cols}, {"K", k}},
                          {L.dense(a, L.graph().value(nd.inputs[0]).name),
                           L.dense(b, L.graph().value(nd.inputs[1]).name)},
                          {batch, m, cols}, View::dense(-1, L.shape(nd.outputs[0]))));
}

}  // namespace

void register_matmul_lowerings(LoweringTable &t) {
  t.add({"Gemm", lower_gemm, nullptr});
  t.add({"MatMul", lower_matmul, nullptr});
}

}  // namespace worldtune::partition
