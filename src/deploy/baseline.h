/// \file Baselines: what a tuned schedule is compared with. Each is built by the LocalBuilder and
/// timed and checked by the LocalRunner exactly like a candidate, so the numbers compare.
#pragma once

#include <string>
#include <vector>

#include "ir/workload.h"
#include "measure/builder.h"

namespace worldtune::deploy {

/// The methods `worldtune baseline --method` accepts: naive, halide-adams2019,
/// halide-mullapudi2016, onednn.
std::vector<measure::BuildMethod> baseline_methods();

/// Parses a method name; throws UserError(BadArgument) listing the names for an unknown one.
measure::BuildMethod parse_baseline_method(const std::string &name);

/// What the builder needs for the workload's baseline (the oneDNN kernel source included).
/// Throws UserError(BadArgument) when the method has no kernel for the operator.
measure::BuildInput baseline_input(const ir::Workload &workload, measure::BuildMethod method);

}  // namespace worldtune::deploy
