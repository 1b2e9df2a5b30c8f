/// \file Pooling: MaxPool, AveragePool and GlobalAveragePool over 2-D images.
#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

std::string square_image_window(const Node &n, const Graph &g) {
  std::string why = needs_image(n, g);
  return why.empty() ? needs_square_window(n) : why;
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
         square_image_window});
  r.add({"AveragePool",
         1,
         1,
         1,
         {string_in("auto_pad", {"NOTSET"}), int_in("ceil_mode", {0, 1}),
          int_in("count_include_pad", {0, 1}), any_ints("kernel_shape"), any_ints("pads"),
          any_ints("strides")},
         square_image_window});
  r.add({"GlobalAveragePool", 1, 1, 1, {}, [](const Node &n, const Graph &g) {
           return needs_image(n, g);
         }});
}

}  // namespace worldtune::net
