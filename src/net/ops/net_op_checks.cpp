/// \file Checks the network operator families share.
#include <string>

#include "net/ops/net_ops.h"

namespace worldtune::net {

std::string needs_image(const Node &node, const Graph &graph, size_t i) {
  const int rank = input_rank(node, graph, i);
  return rank == 4
             ? ""
             : "only 2-D images (inputs of rank 4, N C H W), got rank " + std::to_string(rank);
}

std::string needs_constants(const Node &node, const Graph &graph, size_t first) {
  for (size_t i = first; i < node.inputs.size(); ++i)
    if (node.inputs[i] >= 0 && !graph.value(node.inputs[i]).constant)
      return "input " + std::to_string(i + 1) + " ('" + graph.value(node.inputs[i]).name +
             "') must be a constant (an initializer): only inference graphs are supported";
  return "";
}

std::string needs_square_window(const Node &node) {
  for (const char *name : {"kernel_shape", "strides", "dilations"}) {
    std::vector<int64_t> v = node.get_ints(name);
    if (v.size() == 2 && v[0] != v[1])
      return std::string("only square windows: ") + name + " must be equal for both axes";
  }
  std::vector<int64_t> p = node.get_ints("pads");
  if (p.size() == 4 && !(p[0] == p[1] && p[1] == p[2] && p[2] == p[3]))
    return "only the same padding on every side, got pads [" + std::to_string(p[0]) + ", " +
           std::to_string(p[1]) + ", " + std::to_string(p[2]) + ", " + std::to_string(p[3]) + "]";
  return "";
}

Window window_of(const Node &node, int64_t kernel) {
  auto first = [&](const char *name, int64_t fallback) {
    std::vector<int64_t> v = node.get_ints(name);
    return v.empty() ? fallback : v[0];
  };
  return {first("kernel_shape", kernel), first("strides", 1), first("dilations", 1),
          first("pads", 0)};
}

}  // namespace worldtune::net
