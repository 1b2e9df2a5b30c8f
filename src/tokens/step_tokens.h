/// \file The step tokenizer shared by the sequence cost models (world, tlp): one fixed-width
/// vector of numbers per transform step, with the latent slot the step changes. It replays the
/// steps on the initial program (microseconds; no lowering, no bound inference, no features) to
/// read what each step touched at that moment: the iterator's kind, extent and position.
///
/// Slots: one per stage of the initial program, plus one per stage a step inserts (cache read,
/// cache write, rfactor). Stage ids in steps move when stages are inserted; slots do not, so a
/// model can keep one latent per slot for the whole sequence.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "ir/compute_dag.h"
#include "schedule/state.h"

namespace worldtune::tokens {

/// Numbers of the kinds of steps, annotations and iterators (their enums' sizes).
inline constexpr int kNumStepKinds = static_cast<int>(std::variant_size_v<schedule::Step>);
inline constexpr int kNumAnnotations = 12, kNumIterKinds = 4, kMaxSplitParts = 4;

/// Token layout, by offset. Numbers are log2p-scaled extents or small counts divided by 4 or 8.
enum TokenOffset : int {
  kKindAt = 0,                                  ///< step kind one-hot
  kStageAt = kKindAt + kNumStepKinds,           ///< output op, has reduce iterators, log2 #iters
  kIterAt = kStageAt + 3,                       ///< iterator kind one-hot, log2 extent, position
  kSplitAt = kIterAt + kNumIterKinds + 2,       ///< #parts, log2 parts, log2 inner product, outer
  kFollowAt = kSplitAt + kMaxSplitParts + 4,    ///< FSP #parts / FFSP level, FFSP #sources
  kAnnotationAt = kFollowAt + 2,                ///< annotation one-hot
  kUnrollAt = kAnnotationAt + kNumAnnotations,  ///< log2 auto-unroll limit
  kReorderAt = kUnrollAt + 1,                   ///< #iterators, share of inverted pairs
  kFuseAt = kReorderAt + 2,                     ///< #fused, log2 fused extent
  kComputeAtAt = kFuseAt + 2,   ///< target position, log2 target extent, log2 trips above it
  kCacheAt = kComputeAtAt + 3,  ///< #readers of a cache read
  kRfactorAt = kCacheAt + 1,    ///< factor iterator id
  kTokenWidth = kRfactorAt + 1,
};

struct TokenSequence {
  std::vector<int> slot_source;  ///< per slot, the initial stage whose encoding seeds it
  std::vector<float> tokens;     ///< num_steps() x kTokenWidth
  std::vector<int> slot;         ///< per step, the slot it changes
  std::vector<int> target_slot;  ///< per step, a slot it reads too (compute-at target, the stage
                                 ///< a cache/rfactor stage comes from; else its own slot)
  int num_steps() const { return static_cast<int>(slot.size()); }
  int num_slots() const { return static_cast<int>(slot_source.size()); }
};

/// Called with the step index and the state once that step is applied (training's auxiliary
/// targets replay the prefixes here, at no extra replay cost).
using PrefixVisitor = std::function<void(int, const schedule::State &)>;

/// Tokens of `steps` replayed on `dag`. Throws UserError(BadSchedule) when a step does not apply.
TokenSequence tokenize(const std::shared_ptr<const ir::ComputeDAG> &dag,
                       const std::vector<schedule::Step> &steps,
                       const PrefixVisitor &on_prefix = {});

}  // namespace worldtune::tokens
