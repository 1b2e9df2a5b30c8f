/// \file Conv: 2-D convolutions, grouped (depthwise) and dilated, with an optional bias.
#include "net/ops/net_ops.h"

namespace worldtune::net {

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
         }});
}

}  // namespace worldtune::net
