/// \file Ansor's random annotation of sketches (ansor-on-halide.md §3): tile sizes, compute
/// locations, parallel, auto-unroll and vectorization, then validity pruning.
#pragma once

#include <optional>
#include <vector>

#include "schedule/state.h"
#include "search/hardware_params.h"
#include "support/rng.h"

namespace worldtune::search {

struct AnnotationParams {
  HardwareParams hw;
  int max_innermost_split_factor = 64;
  int max_vectorize_size = 16;
  bool disable_change_compute_location = false;
  /// Draw a movable stage's location by kind first (inlined, root, at a loop: a third each, then
  /// the loop uniformly) instead of Ansor's uniform draw over all locations, where inlining gets
  /// 1/(loops + 2). A worldtune deviation for corpora (docs/ansor_deviations.md).
  bool balanced_locations = false;
  std::vector<int> auto_unroll_configs = {0, 16, 64, 512};
};

/// Ordered factorizations of `extent` into `n` inner lengths (outermost implied), each a divisor
/// of what is left, innermost <= max_innermost. Memoized.
const std::vector<std::vector<int64_t>> &factorization_schemes(int64_t extent, int n,
                                                               int max_innermost);

/// Applies the init rules to a sketch; nullopt when the result is invalid (pruned).
std::optional<schedule::State> annotate_sketch(const schedule::State &sketch,
                                               const AnnotationParams &params, Rng &rng);

/// Candidate compute locations (stage, iterator index) of a stage (Ansor's
/// GetComputeLocationCandidates).
std::vector<std::pair<int, int>> compute_location_candidates(const schedule::State &state,
                                                             int stage_id);

/// Ansor's CPU validity check: no parallel loop inside another.
bool has_nested_parallel(const schedule::State &state);

/// Draws up to n distinct valid states from the sketches (fewer if the space is smaller or
/// 10*n attempts in a row fail to add one).
std::vector<schedule::State> sample_states(const std::vector<schedule::State> &sketches, int n,
                                           const AnnotationParams &params, Rng &rng);

}  // namespace worldtune::search
