/// \file Lowering of the image ops: Conv (weights re-laid [K,K,CI/G,CO], its bias and a batch
/// norm behind it folded, then packed in blocks of output channels), MaxPool, AveragePool (with
/// the Pad PyTorch writes before one that counts padded zeros) and GlobalAveragePool, all on NHWC
/// buffers.
#include <optional>

#include "net/ops/net_ops.h"
#include "partition/lowering.h"

namespace worldtune::partition {

namespace {

/// NCHW values are stored N, H, W, C.
const std::vector<int> kNhwc = {0, 2, 3, 1};

/// An anchor reading an image NHWC (node n's input, or `input`: what a Pad before n pads) and
/// writing n's NCHW output stored NHWC.
Anchor image_anchor(Lowering &L, int n, const std::string &op, int input = -1) {
  const net::Node &nd = L.node(n);
  if (input < 0) input = nd.inputs[0];
  const View x = L.input(input);
  const std::vector<int64_t> &in = x.shape, &out = L.shape(nd.outputs[0]);
  Anchor a;
  a.op = op;
  a.params = {{"N", in[0]}, {"H", in[2]}, {"W", in[3]}};
  a.inputs = {L.laid_out(x, kNhwc, L.graph().value(input).name)};
  a.shape = permuted(out, kNhwc);
  a.out = View::stored(-1, out, kNhwc);
  a.value = nd.outputs[0];
  a.nodes = {n};
  return a;
}

void lower_conv(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const net::HostTensor &w = *L.constant(nd.inputs[1]);  // [CO, CI/G, K, K]
  const int64_t co = w.shape[0], ci_g = w.shape[1], k = w.shape[2];
  const net::Window win = net::window_of(nd, k);
  Anchor a = image_anchor(L, n, "fused_conv2d");
  a.params["CI"] = L.shape(nd.inputs[0])[1];
  a.params["CO"] = co;
  a.params["K"] = k;
  a.params["S"] = win.stride;
  a.params["P"] = win.pad;
  a.params["D"] = win.dilation;
  a.params["G"] = nd.get_int("group", 1);
  std::vector<float> relaid(w.data.size());
  for (int64_t o = 0; o < co; ++o)
    for (int64_t c = 0; c < ci_g; ++c)
      for (int64_t kh = 0; kh < k; ++kh)
        for (int64_t kw = 0; kw < k; ++kw)
          relaid[static_cast<size_t>(((kh * k + kw) * ci_g + c) * co + o)] =
              w.data[static_cast<size_t>(((o * ci_g + c) * k + kh) * k + kw)];
  a.weights =
      L.add_constant(L.graph().value(nd.inputs[1]).name, {k, k, ci_g, co}, std::move(relaid));
  a.weights_channel_axis = 3;
  // Depthwise weights are few and read once: left unpacked.
  if (ci_g > 1 && co % kWeightsBlock == 0) a.weights_block = kWeightsBlock;
  a.params["B"] = a.weights_block;
  a.inputs.push_back(a.weights);
  if (nd.inputs.size() > 2 && nd.inputs[2] >= 0) a.bias = L.constant(nd.inputs[2])->data;
  L.finish(a);
}

/// The window's output extent without ceil_mode's extra window.
int64_t floor_extent(int64_t in, const net::Window &w) {
  return (in + 2 * w.pad - (w.kernel - 1) * w.dilation - 1) / w.stride + 1;
}

/// fused_pool2d of pool node n's window `win` over `input` (MODE: 0 max, 1 mean inside the
/// image, 2 mean counting the padding), covering `nodes`.
void finish_pool(Lowering &L, int n, int input, const net::Window &win, int64_t mode,
                 std::vector<int> nodes) {
  const std::vector<int64_t> &in = L.shape(input), &out = L.shape(L.node(n).outputs[0]);
  if (win.dilation != 1) L.refuse(n, "only undilated pooling windows");
  if (out[2] != floor_extent(in[2], win) || out[3] != floor_extent(in[3], win))
    L.refuse(n, "ceil_mode adds a window here, which fused_pool2d does not compute");
  Anchor a = image_anchor(L, n, "fused_pool2d", input);
  a.params["C"] = in[1];
  a.params["K"] = win.kernel;
  a.params["S"] = win.stride;
  a.params["P"] = win.pad;
  a.params["MODE"] = mode;
  a.nodes = std::move(nodes);
  L.finish(a);
}

void lower_pool(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const int64_t mode = nd.op == "MaxPool" ? 0 : (nd.get_int("count_include_pad", 0) ? 2 : 1);
  finish_pool(L, n, nd.inputs[0], net::window_of(nd, 1), mode, {n});
}

/// p when Pad node `pd` puts p zeros on every side of an image's H and W and nothing elsewhere.
std::optional<int64_t> spatial_padding(const Lowering &L, const net::Node &pd) {
  const std::vector<int64_t> pads = net::pad_widths(pd, L.graph());
  if (pads.size() != 8) return std::nullopt;
  const int64_t p = pads[2];
  if (pads != std::vector<int64_t>{0, 0, p, p, 0, 0, p, p}) return std::nullopt;
  return p;
}

void lower_global_pool(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  Anchor a = image_anchor(L, n, "fused_global_pool");
  const std::vector<int64_t> &out = L.shape(nd.outputs[0]);
  a.params["C"] = out[1];
  a.shape = {out[0], out[1]};
  a.out = View::dense(-1, out);
  L.finish(a);
}

}  // namespace

bool lower_padded_pool(Lowering &L, int pad) {
  const net::Node &pd = L.node(pad);
  const int pool = L.sole_consumer(pd.outputs[0]);
  if (pool < 0 || L.node(pool).op != "AveragePool") return false;
  net::Window win = net::window_of(L.node(pool), 1);
  const std::optional<int64_t> p = spatial_padding(L, pd);
  if (!p || win.pad != 0) return false;
  win.pad = *p;
  L.claim(pool);
  finish_pool(L, pool, pd.inputs[0], win, 2, {pad, pool});
  L.mark_done(pool);
  return true;
}

void register_conv_lowerings(LoweringTable &t) {
  t.add({"Conv", lower_conv, nullptr});
  t.add({"MaxPool", lower_pool, nullptr});
  t.add({"AveragePool", lower_pool, nullptr});
  t.add({"GlobalAveragePool", lower_global_pool, nullptr});
}

/// A ReduceMean over H and W of an image is a global average pool.
bool lower_spatial_mean(Lowering &L, int n) {
  const net::Node &nd = L.node(n);
  const std::vector<int64_t> axes = nd.get_ints("axes");
  const size_t rank = L.shape(nd.inputs[0]).size();
  if (rank != 4 || nd.get_int("keepdims", 1) != 1 || axes.size() != 2 ||
      axis_of(axes[0], rank) != 2 || axis_of(axes[1], rank) != 3)
    return false;
  lower_global_pool(L, n);
  return true;
}

}  // namespace worldtune::partition
