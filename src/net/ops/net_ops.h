/// \file Registration entry points of the network operator families (one file each) and the
/// checks and node readers they share (the partitioner reads a Pad's widths with them too).
#pragma once

#include <string>
#include <vector>

#include "net/op_registry.h"

namespace worldtune::net {

void register_conv_ops(NetOpRegistry &r);
void register_pool_ops(NetOpRegistry &r);
void register_matmul_ops(NetOpRegistry &r);
void register_elementwise_ops(NetOpRegistry &r);
void register_normalize_ops(NetOpRegistry &r);
void register_layout_ops(NetOpRegistry &r);

/// "" when the node's input `i` is a 4-D tensor (N, C, H, W), else why not.
std::string needs_image(const Node &node, const Graph &graph, size_t i = 0);
/// "" when the node's inputs from `first` on are constants (weights), else why not.
std::string needs_constants(const Node &node, const Graph &graph, size_t first);
/// "" when the 2-D window attributes are square and symmetric (one kernel size, stride,
/// dilation and padding for both axes, as worldtune's operators take them), else why not.
std::string needs_square_window(const Node &node);

/// A Pad node's pads, [begin of each axis, end of each axis]: an attribute before opset 11, a
/// constant input from then on (empty when it has neither).
std::vector<int64_t> pad_widths(const Node &pad, const Graph &graph);

/// A square, symmetric 2-D window (what needs_square_window admits).
struct Window {
  int64_t kernel = 1, stride = 1, dilation = 1, pad = 0;
};
/// The node's window; `kernel` when it has no kernel_shape (Conv takes it from the weights).
Window window_of(const Node &node, int64_t kernel);

}  // namespace worldtune::net
