/// \file The run worker's commands (worldtune-run-worker): load a built candidate, time it with
/// TVM's time_evaluator semantics and/or compare its outputs with the reference. It links no
/// Halide compiler, so it starts in milliseconds.
///
/// Request fields: workload (canonical key: the DAG is rebuilt from it), so, runtime (the Halide
/// runtime .so), threads, input_seed; for "run" also time (bool), number, repeat, min_repeat_ms,
/// cache_flush, reference ("" for no check); for "reference" the path to write the outputs to.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace worldtune::measure {

/// "run": answers {"error": code, "msg": ..., "costs": [...], "checked": bool}.
std::string run_candidate_command(const nlohmann::json &request);
/// "reference": runs the naive program once and writes its outputs; answers "" or why not.
std::string write_reference_command(const nlohmann::json &request);

}  // namespace worldtune::measure
