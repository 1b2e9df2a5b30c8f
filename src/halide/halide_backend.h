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

}  // namespace worldtune::halide_backend
