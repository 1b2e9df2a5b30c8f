/// \file Conv: 2-D convolutions, grouped (depthwise) and dilated, with an optional bias.
#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

HostTensor conv(const Node &node, const std::vector<const HostTensor *> &in,
                const std::vector<int64_t> &shape) {
  const HostTensor &x = *in[0], &w = *in[1];
  const Window win = window_of(node, w.shape[2]);
  const int64_t groups = node.get_int("group", 1), h = x.shape[2], wd = x.shape[3];
  const int64_t ci_g = w.shape[1], co_g = shape[1] / groups;
  HostTensor out{
      shape, std::vector<float>(static_cast<size_t>(shape[0] * shape[1] * shape[2] * shape[3]))};
  size_t at = 0;
  for (int64_t n = 0; n < shape[0]; ++n)
    for (int64_t co = 0; co < shape[1]; ++co)
      for (int64_t oh = 0; oh < shape[2]; ++oh)
        for (int64_t ow = 0; ow < shape[3]; ++ow) {
          double acc = in.size() > 2 && in[2] ? in[2]->data[static_cast<size_t>(co)] : 0.0;
          for (int64_t ci = 0; ci < ci_g; ++ci)
            for (int64_t kh = 0; kh < win.kernel; ++kh)
              for (int64_t kw = 0; kw < win.kernel; ++kw) {
                const int64_t ih = oh * win.stride - win.pad + kh * win.dilation,
                              iw = ow * win.stride - win.pad + kw * win.dilation;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                const int64_t c = co / co_g * ci_g + ci;
                acc += x.data[static_cast<size_t>(((n * x.shape[1] + c) * h + ih) * wd + iw)] *
                       w.data[static_cast<size_t>(
                           ((co * ci_g + ci) * win.kernel + kh) * win.kernel + kw)];
              }
          out.data[at++] = static_cast<float>(acc);
        }
  return out;
}

}  // namespace

void register_conv_ops(NetOpRegistry &r) {
  r.add({"Conv",
         2,
         3,
         1,
         {string_in("auto_pad", {"NOTSET"}), any_ints("dilations"), any_int("group"),
          any_ints("kernel_shape"), any_ints("pads"), any_ints("strides")},
         [](const Node &n, const Graph &g) {
           std::string why = needs_image(n, g);
           if (why.empty()) why = needs_constants(n, g, 1);
           if (why.empty()) why = needs_square_window(n);
           return why;
         },
         conv});
}

}  // namespace worldtune::net
