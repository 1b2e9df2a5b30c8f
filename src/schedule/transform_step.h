/// \file Ansor's transform-step vocabulary and its record encoding (ansor-on-halide.md §7):
/// SP, FSP, FFSP, RE, FU, AN, PR, CA, CI, CR, CHW, CHR, RF. Stage and iterator ids are indices in
/// the state at the moment the step is applied.
///
/// How to add a step: add a struct here and to `Step`, its encoding in step_json.cpp, its effect on
/// State in transform_step.cpp and on Halide in halide_program.cpp, its token and whether it inserts
/// a stage in src/tokens/step_tokens.cpp (the visitors do not compile without it; bump the
/// sequence models' schema version), and a round-trip test in tests/schedule_steps_test.cpp.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace worldtune::schedule {

class State;

struct SplitStep {  ///< "SP"
  int stage = 0, iter = 0;
  int64_t extent = 0;                           ///< extent of the split iterator (0: unknown)
  std::vector<std::optional<int64_t>> lengths;  ///< inner parts, outer to inner; nullopt: undefined
  bool inner_to_outer = true;
};
struct FollowSplitStep {  ///< "FSP": lengths = src.lengths[0..n_split-2] + product of the rest
  int stage = 0, iter = 0, src_step_id = 0, n_split = 0;
};
struct FollowFusedSplitStep {  ///< "FFSP": one length = product of src.lengths[level]
  int stage = 0, iter = 0;
  std::vector<int> src_step_ids;
  int level = 0;
  bool factor_or_nparts = true;
};
struct ReorderStep {  ///< "RE": new order, outer to inner
  int stage = 0;
  std::vector<int> order;
};
struct FuseStep {  ///< "FU": consecutive iterators, outer to inner
  int stage = 0;
  std::vector<int> iters;
};
struct AnnotationStep {  ///< "AN"
  int stage = 0, iter = 0, annotation = 0;
};
struct PragmaStep {  ///< "PR"
  int stage = 0, iter = 0;
  std::string pragma;
};
struct ComputeAtStep {  ///< "CA"
  int stage = 0, target_stage = 0, target_iter = 0;
};
struct ComputeInlineStep {  ///< "CI"
  int stage = 0;
};
struct ComputeRootStep {  ///< "CR"
  int stage = 0;
};
struct CacheReadStep {  ///< "CHR": inserts the cache stage after `stage`
  int stage = 0;
  std::string scope;
  std::vector<int> readers;
};
struct CacheWriteStep {  ///< "CHW": inserts the cache stage before `stage`
  int stage = 0;
  std::string scope;
};
struct RfactorStep {  ///< "RF": inserts the rfactor stage before `stage`
  int stage = 0, iter = 0, factor_iter_id = 0;
};

using Step = std::variant<SplitStep, FollowSplitStep, FollowFusedSplitStep, ReorderStep, FuseStep,
                          AnnotationStep, PragmaStep, ComputeAtStep, ComputeInlineStep,
                          ComputeRootStep, CacheReadStep, CacheWriteStep, RfactorStep>;

/// The record tag ("SP", "CA", ...).
const char *step_tag(const Step &step);
/// The stage id a step applies to.
int step_stage(const Step &step);

/// Record encoding, e.g. ["SP", 2, 0, 1024, [4, 8, 16], 1].
nlohmann::json step_to_json(const Step &step);
/// Decodes one step; throws UserError(BadRecord) naming what is malformed.
Step step_from_json(const nlohmann::json &j);
nlohmann::json steps_to_json(const std::vector<Step> &steps);
std::vector<Step> steps_from_json(const nlohmann::json &j);

/// Applies step to state (see State::apply).
void apply_step(State &state, const Step &step);

/// The lengths a follow split (FSP) or follow fused split (FFSP) resolves to, from the history.
std::vector<std::optional<int64_t>> follow_split_lengths(const std::vector<Step> &history,
                                                         const FollowSplitStep &s);
std::optional<int64_t> follow_fused_split_length(const std::vector<Step> &history,
                                                 const FollowFusedSplitStep &s);

}  // namespace worldtune::schedule
