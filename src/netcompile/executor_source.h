/// \file The C sources `worldtune compile` writes for a network: the graph executor (kernel calls
/// in order over planned buffers, each call's arguments prepared once at load), the header of
/// its C API, and an example program that checks the network's output.
#pragma once

#include <string>
#include <vector>

#include "netcompile/memory_plan.h"
#include "partition/task_graph.h"

namespace worldtune::netcompile {

/// What the generated code needs besides the task graph and its plan.
struct ExecutorSpec {
  std::string name;    ///< C prefix: the API is `<name>_load`, `<name>_run`, ...
  std::string source;  ///< the model file, for comments
  /// Per task (in TaskGraph::tasks order): the kernel's entry point (its `_argv` variant is
  /// called).
  std::vector<std::string> kernels;
  uint64_t weights_digest = 0;  ///< FNV-1a of the weights file's data (the loader checks it)
};

/// Magic first line of the weights file, then the element count (uint64), the floats, and the
/// FNV-1a 64 digest of their bytes (uint64), all little-endian.
inline constexpr const char *kWeightsMagic = "worldtune-weights-1\n";

/// FNV-1a 64 of `n` bytes.
uint64_t fnv1a(const void *data, size_t n);

std::string executor_header(const ExecutorSpec &spec, const partition::TaskGraph &graph);
std::string executor_source(const ExecutorSpec &spec, const partition::TaskGraph &graph,
                            const MemoryPlan &plan);
/// Reads an input and the expected output (raw float32; `<name>_input.bin` and
/// `<name>_expected.bin` by default), runs the network (timed) and compares; exits 1 when the
/// largest difference exceeds `tolerance` x the largest |expected|.
std::string example_source(const ExecutorSpec &spec, double tolerance);

}  // namespace worldtune::netcompile
