/// \file `worldtune compile`: a network's tasks, each with its best tuned schedule (or a default
/// one where the records have none), compiled into one static library with a generated graph
/// executor, a C API header, the weights file and a checked example program.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netcompile/memory_plan.h"

namespace worldtune::netcompile {

struct CompileNetworkOptions {
  std::string model;  ///< ONNX file
  int64_t batch = 0;
  std::string records;
  std::string out_dir;
  std::string target = "host";
  std::string name;  ///< C prefix and file names ("": the model file's stem)
  bool force = false;
  /// An input with the framework's output for it (FILE.io.json): the example checks against it.
  /// "": a fixed input, checked against worldtune's reference evaluation of the graph.
  std::string io;
};

struct CompiledTask {
  std::string workload;
  int weight = 0;
  bool tuned = false;
  double best_cost = 0;  ///< seconds, of the tuned record
  int best_trial = 0, trials = 0;
  std::string schedule;  ///< how it was scheduled, for the output
};

struct CompiledNetwork {
  std::string name;
  std::vector<CompiledTask> tasks;
  int calls = 0;
  MemoryPlan plan;
  double tuned_estimate = 0;  ///< sum of weight x best latency over the tuned tasks, seconds
  std::vector<std::string> files;
};

/// The tolerance of the checks: the largest difference to the expected output, relative to
/// its largest magnitude.
inline constexpr double kOutputTolerance = 1e-4;

/// The manifest next to the library (`<name>.json`), which run-model reads.
inline constexpr const char *kManifestFormat = "worldtune-network-1";

/// Writes `v` as raw float32 (the example program's input and expected output); UserError(Io).
void write_floats(const std::string &path, const std::vector<float> &v);

/// Throws UserError: BadNetwork (import or tasks), BadRecord (the records hold none of the
/// network's tasks: records of another model), BadTarget (a best record of another target),
/// BadArgument (name, out folder), Io, BadSchedule.
CompiledNetwork compile_network(const CompileNetworkOptions &options);

}  // namespace worldtune::netcompile
