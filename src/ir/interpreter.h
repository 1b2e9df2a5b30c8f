/// \file The naive reference implementation: evaluates a ComputeDAG element by element in double
/// precision. Slow by design; it is the ground truth that the Halide translation is tested against.
#pragma once

#include <vector>

#include "ir/compute_dag.h"

namespace worldtune::ir {

/// One buffer per op (row-major); placeholders must be filled by the caller, compute ops are
/// (re)computed. Returns the buffers of every op.
std::vector<std::vector<float>> interpret(const ComputeDAG &dag,
                                          std::vector<std::vector<float>> buffers);

/// Deterministic pseudo-random inputs in [0, 1) for every placeholder (empty for compute ops).
std::vector<std::vector<float>> random_inputs(const ComputeDAG &dag, uint64_t seed);

}  // namespace worldtune::ir
