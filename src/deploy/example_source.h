/// \file The example program shipped with an exported kernel: it shows how to call the library
/// and proves on the user's machine that the kernel computes what the naive schedule computes.
#pragma once

#include <string>
#include <vector>

#include "ir/compute_dag.h"

namespace worldtune::deploy {

/// C++ that fills the inputs with deterministic values in 128-byte aligned buffers, runs
/// `name` and `name`_reference (the naive schedule), times `name`, prints the largest error
/// and OK or MISMATCH (the runner's tolerance), and exits nonzero on a mismatch.
std::string example_source(const ir::ComputeDAG &dag, const std::string &name,
                           const std::string &workload_key);

/// The identifiers the example declares or calls next to the kernel (`main`, its helpers, locals
/// and one tensor variable per input and output of `dag`), and the files exported beside it:
/// a kernel named like one of them would not build or would overwrite a file.
std::vector<std::string> example_identifiers(const ir::ComputeDAG &dag);

/// A POSIX shell script that builds `name`_example next to itself with the system compiler.
std::string example_build_script(const std::string &name);

}  // namespace worldtune::deploy
