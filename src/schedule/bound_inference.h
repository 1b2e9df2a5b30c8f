/// \file Ansor's InferBound on worldtune's loop model: the extent every loop really iterates
/// over once stages computed inside other stages only produce the tile their consumer needs.
/// Used to choose exact Halide split factors, to emulate auto-unroll, and for features.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "schedule/state.h"

namespace worldtune::schedule {

struct StageBounds {
  std::vector<int64_t> axis_extent;   ///< realized extent of each op axis (spatial, then reduce)
  std::map<int, int64_t> uid_extent;  ///< realized extent of every iterator uid (also internal)
};

/// Requires a concrete state (every split length defined).
std::vector<StageBounds> infer_bound(const State &state);

/// Index expressions (over the consumer op's vars) with which `consumer` reads `producer`,
/// looking through inlined stages in between.
std::vector<std::vector<ir::Expr>> collect_accesses(const State &state, int consumer, int producer);

}  // namespace worldtune::schedule
