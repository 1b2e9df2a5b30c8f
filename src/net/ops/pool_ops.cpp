/// \file Pooling: MaxPool, AveragePool and GlobalAveragePool over 2-D images.
#include <algorithm>
#include <limits>

#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

std::string square_image_window(const Node &n, const Graph &g) {
  std::string why = needs_image(n, g);
  return why.empty() ? needs_square_window(n) : why;
}

/// Max or mean of each window; a mean divides by the window's elements inside the image, or with
/// count_include_pad by those inside the padded image (ONNX's semantics, ceil_mode included).
HostTensor pool(const Node &node, const std::vector<const HostTensor *> &in,
                const std::vector<int64_t> &shape, bool max) {
  const HostTensor &x = *in[0];
  const Window w = window_of(node, 1);
  const int64_t h = x.shape[2], wd = x.shape[3];
  const bool include_pad = node.get_int("count_include_pad", 0) != 0;
  HostTensor out{shape, {}};
  for (int64_t nc = 0; nc < shape[0] * shape[1]; ++nc)
    for (int64_t oh = 0; oh < shape[2]; ++oh)
      for (int64_t ow = 0; ow < shape[3]; ++ow) {
        double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
        int64_t count = 0, padded = 0;
        for (int64_t kh = 0; kh < w.kernel; ++kh)
          for (int64_t kw = 0; kw < w.kernel; ++kw) {
            const int64_t ih = oh * w.stride - w.pad + kh * w.dilation,
                          iw = ow * w.stride - w.pad + kw * w.dilation;
            padded += ih < h + w.pad && iw < wd + w.pad;
            if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
            const float v = x.data[static_cast<size_t>((nc * h + ih) * wd + iw)];
            acc = max ? std::max<double>(acc, v) : acc + v;
            ++count;
          }
        out.data.push_back(static_cast<float>(max ? acc : acc / (include_pad ? padded : count)));
      }
  return out;
}

HostTensor global_average(const Node &, const std::vector<const HostTensor *> &in,
                          const std::vector<int64_t> &shape) {
  const int64_t area = in[0]->shape[2] * in[0]->shape[3];
  HostTensor out{shape, {}};
  for (int64_t nc = 0; nc < shape[0] * shape[1]; ++nc) {
    double acc = 0;
    for (int64_t i = 0; i < area; ++i) acc += in[0]->data[static_cast<size_t>(nc * area + i)];
    out.data.push_back(static_cast<float>(acc / static_cast<double>(area)));
  }
  return out;
}

}  // namespace

void register_pool_ops(NetOpRegistry &r) {
  r.add({"MaxPool",
         1,
         1,
         1,
         {string_in("auto_pad", {"NOTSET"}), int_in("ceil_mode", {0, 1}), any_ints("dilations"),
          any_ints("kernel_shape"), any_ints("pads"), int_in("storage_order", {0}),
          any_ints("strides")},
         square_image_window,
         [](const Node &n, const std::vector<const HostTensor *> &in,
            const std::vector<int64_t> &s) { return pool(n, in, s, true); }});
  r.add({"AveragePool",
         1,
         1,
         1,
         {string_in("auto_pad", {"NOTSET"}), int_in("ceil_mode", {0, 1}),
          int_in("count_include_pad", {0, 1}), any_ints("kernel_shape"), any_ints("pads"),
          any_ints("strides")},
         square_image_window,
         [](const Node &n, const std::vector<const HostTensor *> &in,
            const std::vector<int64_t> &s) { return pool(n, in, s, false); }});
  r.add({"GlobalAveragePool",
         1,
         1,
         1,
         {},
         [](const Node &n, const Graph &g) { return needs_image(n, g); },
         global_average});
}

}  // namespace worldtune::net
