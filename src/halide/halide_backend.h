/// \file The only place that includes Halide.h: turns a HalideProgram into Halide Funcs and
/// compiles it ahead of time into an object file (no runtime inside), and compiles the Halide
/// runtime once per target. Everything else of worldtune builds without Halide's headers.
#pragma once

#include <string>

#include "schedule/halide_program.h"

namespace worldtune::halide_backend {

/// Which phase failed: applying the schedule to the Funcs (Ansor's "instantiation" error) or
/// compiling it.
enum class FailedPhase { None, Instantiate, Compile };

struct CompileOutcome {
  FailedPhase failed = FailedPhase::None;
  std::string message;
};

/// The host target as Halide names it, e.g. "x86-64-linux-avx-avx2-...".
std::string host_target_string();

/// Validates a target string (throws UserError(BadTarget) naming it when Halide rejects it).
std::string canonical_target_string(const std::string &target);

/// Builds fresh Funcs for the program, applies its schedule, and compiles an object file with
/// entry points `fn_name` and `fn_name`_argv for the given target (with no_runtime added).
CompileOutcome compile_to_object(const schedule::HalideProgram &program,
                                 const std::string &object_path, const std::string &fn_name,
                                 const std::string &target);

/// Compiles the standalone Halide runtime for target into an object file.
void compile_runtime_object(const std::string &object_path, const std::string &target);

/// Halide's autoschedulers, loaded as the plugins Halide ships.
enum class Autoscheduler { Adams2019, Mullapudi2016 };

/// Like compile_to_object, but the program's directives are ignored: the unscheduled algorithm
/// (with estimates from the DAG's shapes) is scheduled by a Halide autoscheduler for a machine
/// of `parallelism` cores.
CompileOutcome compile_autoscheduled_object(const schedule::HalideProgram &program,
                                            Autoscheduler autoscheduler, int parallelism,
                                            const std::string &object_path,
                                            const std::string &fn_name, const std::string &target);

/// The files of an ahead-of-time library; an empty path is not written.
struct LibraryFiles {
  std::string static_library;  ///< .a with the pipeline (and the runtime unless left out)
  std::string c_header;        ///< .h declaring `fn_name(halide_buffer_t *...)`
  std::string stmt;            ///< the lowered statement, as text
};

/// Compiles the program into a static library for deployment; `with_runtime` false leaves the
/// Halide runtime out (for a second library linked with one that has it).
CompileOutcome compile_to_library(const schedule::HalideProgram &program, const LibraryFiles &files,
                                  const std::string &fn_name, const std::string &target,
                                  bool with_runtime);

/// The directory holding HalideRuntime.h (what code calling AOT pipelines includes).
std::string runtime_include_dir();

}  // namespace worldtune::halide_backend
