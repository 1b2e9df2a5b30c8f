/// \file Ansor's CPU mutation rules for the evolutionary search (ansor-on-halide.md §4.2): tile
/// size, auto-unroll, compute location and parallel granularity. Each edits the step list and
/// replays it from the initial state; a mutation that cannot apply returns nullopt.
#pragma once

#include <optional>

#include "schedule/state.h"
#include "search/annotation_rules.h"
#include "support/rng.h"

namespace worldtune::search {

enum class MutationRule { TileSize, AutoUnroll, ComputeLocation, Parallel };

/// Ansor's CPU weights, in MutationRule order (normalized when drawing).
inline constexpr double kMutationWeights[] = {0.90, 0.04, 0.05, 0.01};

std::optional<schedule::State> mutate_tile_size(const schedule::State &s, const AnnotationParams &p,
                                                Rng &rng);
std::optional<schedule::State> mutate_auto_unroll(const schedule::State &s,
                                                  const AnnotationParams &p, Rng &rng);
std::optional<schedule::State> mutate_compute_location(const schedule::State &s,
                                                       const AnnotationParams &p, Rng &rng);
std::optional<schedule::State> mutate_parallel(const schedule::State &s, const AnnotationParams &p,
                                               Rng &rng);

/// Draws a rule by weight and applies it; nullopt when it fails or the result is invalid.
std::optional<schedule::State> mutate(const schedule::State &s, const AnnotationParams &p,
                                      Rng &rng);

}  // namespace worldtune::search
