/// \file The example program shipped with an exported kernel: it shows how to call the library
/// and proves on the user's machine that the kernel computes what the naive schedule computes.
#pragma once

#include <string>

#include "ir/compute_dag.h"

namespace worldtune::deploy {

/// C++ that fills the inputs with deterministic values in 128-byte aligned buffers, runs
/// `name` and `name`_reference (the naive schedule), times `name`, prints the largest error
/// and OK or MISMATCH (the runner's tolerance), and exits nonzero on a mismatch.
std::string example_source(const ir::ComputeDAG &dag, const std::string &name,
                           const std::string &workload_key);

/// A POSIX shell script that builds `name`_example next to itself with the system compiler.
std::string example_build_script(const std::string &name);

}  // namespace worldtune::deploy
