/// \file Ansor's CPU sketch generation (ansor-on-halide.md §2): derivation rules applied from the
/// last stage to the first, each of which may branch the search.
/// Rules, in order: always-inline, rfactor, cache-write, multi-level tiling with fusion,
/// multi-level tiling ("SSRSRS"), skip.
///
/// How to add a rule: add a `SketchRule` subclass in sketch_rules.cpp and insert it in
/// `cpu_sketch_rules()` at its priority; tests/search_sketch_test.cpp checks sketch counts.
#pragma once

#include <string>
#include <vector>

#include "schedule/state.h"
#include "search/hardware_params.h"

namespace worldtune::search {

struct SketchParams {
  std::string cpu_multi_level_tiling_structure = "SSRSRS";
  HardwareParams hw;
};

/// All sketches of a program (states whose split lengths are still undefined).
std::vector<schedule::State> generate_sketches(const schedule::State &initial,
                                               const SketchParams &params);

/// Ansor's HasSingleElementwiseMatchedConsumer; sets *target on success.
bool has_single_elementwise_matched_consumer(const schedule::State &state, int stage_id,
                                             int *target);
/// Ansor's NeedsMultilevelTiling on the state's current DAG.
bool needs_multi_level_tiling(const schedule::State &state, int stage_id);

}  // namespace worldtune::search
