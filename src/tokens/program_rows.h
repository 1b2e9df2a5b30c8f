/// \file The initial (unscheduled) program as numbers, one row per op of the ComputeDAG, for the
/// world model's state encoder (computed once per task). Nothing here depends on a schedule: the
/// schedule reaches the model only as step tokens (step_tokens.h).
#pragma once

#include <vector>

#include "ir/compute_dag.h"

namespace worldtune::tokens {

/// Row layout: flags (placeholder, output, strictly inlineable, needs multi-level tiling, simple
/// access), reduce kind one-hot (4), axis counts (2), log2 extents of up to 6 spatial and 3 reduce
/// axes, log2 of FLOPs / output elements / reduction length, producer and consumer counts, then
/// per input (up to 3) log2 elements, rank, whether the innermost index is the innermost spatial
/// axis, whether it is a reduce axis, and the number of loads.
inline constexpr int kMaxRowSpatial = 6, kMaxRowReduce = 3, kMaxRowInputs = 3, kInputWidth = 5;
inline constexpr int kProgramRowWidth =
    5 + 4 + 2 + kMaxRowSpatial + kMaxRowReduce + 3 + 2 + kMaxRowInputs * kInputWidth;
/// Global row: log2 total FLOPs, op count, compute-op count, log2 bytes of the inputs.
inline constexpr int kGlobalRowWidth = 4;

struct ProgramRows {
  int num_stages = 0;
  std::vector<float> rows;                  ///< num_stages x kProgramRowWidth
  std::vector<float> global;                ///< kGlobalRowWidth
  std::vector<std::vector<int>> producers;  ///< per stage, the stages it reads
};

/// sign(x) * log2(|x| + 1), the log scale every token and row uses (as Ansor's features do).
float log2p(double x);

ProgramRows encode_program(const ir::ComputeDAG &dag);

}  // namespace worldtune::tokens
