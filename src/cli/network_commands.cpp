/// \file Commands on whole networks: `inspect` (what worldtune imports of an ONNX file, and
/// optionally its reference evaluation against a known output).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "net/graph.h"
#include "net/reference.h"
#include "onnx_import/onnx_import.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::cli {

namespace {

std::string shape_text(const net::Value &v) {
  return std::string(net::dtype_name(v.dtype)) + "[" +
         join_mapped(v.shape, ",", [](int64_t e) { return std::to_string(e); }) + "]";
}

std::string values_text(const net::Graph &g, const std::vector<int> &indices) {
  return join_mapped(indices, ", ", [&](int i) {
    return i < 0 ? std::string("-") : g.value(i).name + " " + shape_text(g.value(i));
  });
}

void print_summary(const net::Graph &g) {
  int64_t tensors = 0, elements = 0;
  for (const net::Value &v : g.values)
    if (v.constant) ++tensors, elements += v.elements();
  std::printf("network   %s (ONNX opset %lld)\n", g.source.c_str(),
              static_cast<long long>(g.opset));
  std::printf("inputs    %s\n", values_text(g, g.inputs).c_str());
  std::printf("outputs   %s\n", values_text(g, g.outputs).c_str());
  std::printf("nodes     %zu: %s\n", g.nodes.size(),
              join_mapped(g.op_counts(), ", ", [](const auto &kv) {
                return kv.first + " " + std::to_string(kv.second);
              }).c_str());
  std::printf("constants %lld tensors, %lld elements\n", static_cast<long long>(tensors),
              static_cast<long long>(elements));
}

/// Runs the reference evaluation on the file's input and prints how far it is from its output.
void check_io(const net::Graph &g, const std::string &path) {
  net::IoExample io = net::read_io_example(path);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<net::HostTensor> out = net::run_reference(g, {io.input});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WT_USER_CHECK(out.size() == 1 && out[0].shape == io.output.shape, BadArgument,
                path << ": its output's shape is not the network's");
  const double worst = net::max_abs_difference(out[0], io.output);
  double scale = 0;
  for (float y : io.output.data) scale = std::max(scale, std::fabs(double(y)));
  std::printf(
      "reference %.3g max abs difference to %s, %.3g of its largest |output| %.3g (%.1f s)\n",
      worst, path.c_str(), scale > 0 ? worst / scale : 0.0, scale, seconds);
}

}  // namespace

int run_inspect(const InspectOptions &o) {
  net::Graph g = onnx_import::import_onnx(o.model, {o.batch});
  print_summary(g);
  if (!o.check_io.empty()) check_io(g, o.check_io);
  if (!o.nodes) return 0;
  for (const net::Node &n : g.nodes)
    std::printf("  %-24s %-18s %s -> %s\n", quote_cut(n.name, 24).c_str(), n.op.c_str(),
                values_text(g, n.inputs).c_str(), values_text(g, n.outputs).c_str());
  return 0;
}

}  // namespace worldtune::cli
