/// \file Commands on whole networks: `inspect` (what worldtune imports of an ONNX file, the
/// tuning tasks it splits into, and optionally both evaluated against a known output).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "cli/commands.h"
#include "net/graph.h"
#include "net/reference.h"
#include "onnx_import/onnx_import.h"
#include "partition/partitioner.h"
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

using Evaluation = std::function<std::vector<net::HostTensor>(const net::HostTensor &)>;

/// Runs `evaluate` on the file's input and prints how far it is from its output.
void check_io(const char *what, const Evaluation &evaluate, const std::string &path) {
  net::IoExample io = net::read_io_example(path);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<net::HostTensor> out = evaluate(io.input);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WT_USER_CHECK(out.size() == 1 && out[0].shape == io.output.shape, BadArgument,
                path << ": its output's shape is not the network's");
  const double worst = net::max_abs_difference(out[0], io.output);
  double scale = 0;
  for (float y : io.output.data) scale = std::max(scale, std::fabs(double(y)));
  std::printf("%-9s %.3g max abs difference to %s, %.3g of its largest |output| %.3g (%.1f s)\n",
              what, worst, path.c_str(), scale > 0 ? worst / scale : 0.0, scale, seconds);
}

void print_tasks(const net::Graph &g, const partition::TaskGraph &t) {
  double total = 0;
  for (const partition::Task &task : t.tasks) total += task.flops * task.weight;
  std::printf("tasks     %zu (%zu calls, %.3f GFLOP per run)\n", t.tasks.size(), t.calls.size(),
              total * 1e-9);
  std::map<std::string, std::vector<std::string>> ops;
  for (const partition::Call &c : t.calls) {
    std::vector<std::string> &seen = ops[c.workload_key];
    for (int n : c.nodes)
      if (std::find(seen.begin(), seen.end(), g.nodes[static_cast<size_t>(n)].op) == seen.end())
        seen.push_back(g.nodes[static_cast<size_t>(n)].op);
  }
  std::printf("  %6s %9s  %-40s %s\n", "weight", "GFLOP", "ONNX ops", "workload");
  for (const partition::Task &task : t.tasks) {
    const std::vector<std::string> &o = ops[task.workload_key];
    std::printf("  %6d %9.4f  %-40s %s\n", task.weight, task.flops * task.weight * 1e-9,
                o.empty() ? "(layout)"
                          : join_mapped(o, " ", [](const std::string &x) { return x; }).c_str(),
                task.workload_key.c_str());
  }
}

}  // namespace

int run_inspect(const InspectOptions &o) {
  net::Graph g = onnx_import::import_onnx(o.model, {o.batch});
  print_summary(g);
  if (!o.check_io.empty())
    check_io(
        "reference", [&](const net::HostTensor &x) { return net::run_reference(g, {x}); },
        o.check_io);
  if (o.tasks) {
    const partition::TaskGraph t = partition::partition(g);
    print_tasks(g, t);
    if (!o.check_io.empty())
      check_io(
          "tasks",
          [&](const net::HostTensor &x) { return partition::interpret_task_graph(t, {x}); },
          o.check_io);
  }
  if (!o.nodes) return 0;
  for (const net::Node &n : g.nodes)
    std::printf("  %-24s %-18s %s -> %s\n", quote_cut(n.name, 24).c_str(), n.op.c_str(),
                values_text(g, n.inputs).c_str(), values_text(g, n.outputs).c_str());
  return 0;
}

int run_compile(const netcompile::CompileNetworkOptions &o) {
  const netcompile::CompiledNetwork c = netcompile::compile_network(o);
  int tuned = 0;
  std::printf("compiled  %s: %zu kernels, %d calls per run, into %s\n", o.model.c_str(),
              c.tasks.size(), c.calls, o.out_dir.c_str());
  for (const netcompile::CompiledTask &t : c.tasks) {
    tuned += t.tuned;
    std::printf("  %4d x %-60s %s\n", t.weight, t.workload.c_str(), t.schedule.c_str());
  }
  std::printf(
      "tuned     %d of %zu tasks (%.4f ms estimated over those)%s\n", tuned, c.tasks.size(),
      c.tuned_estimate * 1e3,
      tuned < static_cast<int>(c.tasks.size()) ? "; the others use a default schedule" : "");
  std::printf("memory    arena %.1f MiB (%.1f MiB without reuse), weights %.1f MiB\n",
              c.plan.arena_elements * 4.0 / (1 << 20), c.plan.unshared_elements * 4.0 / (1 << 20),
              c.plan.weight_elements * 4.0 / (1 << 20));
  const netcompile::RunModelResult r = netcompile::run_model({o.out_dir, "", 3, 0});
  std::printf("example   %s", r.output.c_str());
  return r.exit_code == 0 ? 0 : 1;
}

int run_run_model(const netcompile::RunModelOptions &o) {
  const netcompile::RunModelResult r = netcompile::run_model(o);
  std::printf("%s", r.output.c_str());
  return r.exit_code == 0 ? 0 : 1;
}

}  // namespace worldtune::cli
