/// \file The oneDNN baseline: a C++ kernel source per workload that runs oneDNN's primitive on
/// worldtune's exact tensor layouts, exported as `wt_kernel_argv` so that the builder compiles it
/// and the runner times and checks it like any candidate.
#pragma once

#include <string>
#include <vector>

#include "ir/workload.h"

namespace worldtune::deploy {

/// The operators with a oneDNN kernel here.
std::vector<std::string> onednn_operators();

/// The kernel source for the workload. Throws UserError(BadArgument) naming the operator when
/// oneDNN has no kernel for it here.
std::string onednn_kernel_source(const ir::Workload &workload);

}  // namespace worldtune::deploy
