/// \file A network split into tuning tasks (src/partition/partitioner.h makes it): flat float
/// buffers, and kernel calls in execution order, each a workload of worldtune's IR (a fused
/// subgraph, src/ir/ops/fused_*.cpp) reading and writing buffers. Identical calls share one task.
/// This is what `tune --model` tunes and what the compiled network's executor runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/graph.h"
#include "net/reference.h"

namespace worldtune::partition {

/// A dense row-major float array of the compiled network: a network input, a constant (weights
/// laid out as the kernels read them), or a kernel call's output.
struct Buffer {
  std::string name;
  std::vector<int64_t> shape;
  bool constant = false;
  std::vector<float> data;  ///< a constant's elements

  int64_t elements() const;
};

/// One kernel launch: the workload's placeholders in order are `inputs`, its output is `output`.
struct Call {
  std::string workload_key;
  std::vector<int> inputs;  ///< buffer indices
  int output = -1;
  std::vector<int> nodes;  ///< the network's nodes this call computes (graph node indices)
};

/// A distinct workload and how often the network runs it (Ansor's task weight).
struct Task {
  std::string workload_key;
  int weight = 0;
  double flops = 0;  ///< of one run
};

struct TaskGraph {
  std::string source;  ///< the model file
  std::vector<Buffer> buffers;
  std::vector<Call> calls;   ///< in an order that runs each after the calls it reads from
  std::vector<Task> tasks;   ///< in order of first use
  std::vector<int> inputs;   ///< buffers of the network's inputs (ONNX layout)
  std::vector<int> outputs;  ///< buffers of the network's outputs (ONNX layout)
  std::vector<std::vector<int64_t>> output_shapes;

  /// Recomputes `tasks` from `calls` (weights and FLOPs).
  void count_tasks();
};

/// Runs every call with the IR interpreter (ir/interpreter.h): slow, exact; it checks the
/// partition against the network's reference. Throws UserError(BadArgument) naming an input of
/// the wrong shape.
std::vector<net::HostTensor> interpret_task_graph(const TaskGraph &tasks,
                                                  const std::vector<net::HostTensor> &inputs);

}  // namespace worldtune::partition
