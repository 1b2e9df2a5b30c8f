/// \file Ansor's loop-nest State: stages (one per op of the state's current DAG), their iterators
/// with kinds and annotations, compute locations (the attach map), and the transform-step history
/// that fully determines the state (replaying the history from the initial state rebuilds it).
/// Reference: Zheng et al., "Ansor", OSDI'20; ansor-on-halide.md §1.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ir/compute_dag.h"
#include "schedule/transform_step.h"

namespace worldtune::schedule {

enum class IterKind : uint8_t { Spatial, Reduction, Mixed, Special };

/// Annotation codes as in Ansor's records.
enum class IterAnnotation : uint8_t {
  None = 0,
  Unroll = 1,
  Vectorize = 2,
  Parallel = 3,
  VThread = 4,
  BlockX = 5,
  ThreadX = 6,
  BlockY = 7,
  ThreadY = 8,
  BlockZ = 9,
  ThreadZ = 10,
  Tensorize = 11,
};
const char *annotation_name(IterAnnotation a);

struct Iterator {
  std::string name;
  int64_t extent = 0;  ///< 0 while a split length is still undefined (sketches)
  IterKind kind = IterKind::Spatial;
  IterAnnotation annotation = IterAnnotation::None;
  int uid = -1;  ///< stable id inside the stage; relations and attach points use it
};

/// One split or fuse of a stage's iterators, by uid. Together they form the tree from the op's
/// axes (uids 0..n-1: spatial axes, then reduce axes) to the current iterators.
struct IterRelation {
  bool is_split = true;
  std::vector<int> inputs;         ///< split: one uid; fuse: the fused uids, outer to inner
  std::vector<int> outputs;        ///< split: outer to inner; fuse: one uid
  std::vector<int64_t> lengths;    ///< split: inner lengths outer to inner (0 = undefined);
                                   ///< fuse: extents of the fused iterators
  std::vector<std::string> names;  ///< names of the outputs when they were made
};

enum class ComputeAtKind : uint8_t { Root, Inlined, Iter };

struct Stage {
  int op_id = -1;
  std::vector<Iterator> iters;
  std::vector<IterRelation> relations;
  int next_uid = 0;
  ComputeAtKind compute_at = ComputeAtKind::Root;
  int attach_stage = -1;  ///< with ComputeAtKind::Iter
  int attach_uid = -1;
  int auto_unroll_max_step = 0;  ///< Ansor's `auto_unroll_max_step$N` pragma (0: none)

  int find_iter(int uid) const;  ///< index of the iterator with this uid, or -1
};

class State {
 public:
  State() = default;
  /// The initial (unscheduled) state of a program.
  explicit State(std::shared_ptr<const ir::ComputeDAG> dag);

  const ir::ComputeDAG &dag() const { return *dag_; }
  const std::shared_ptr<const ir::ComputeDAG> &dag_ptr() const { return dag_; }
  const std::shared_ptr<const ir::ComputeDAG> &initial_dag() const { return initial_dag_; }
  const std::vector<Stage> &stages() const { return stages_; }
  const Stage &stage(int id) const { return stages_.at(id); }
  int num_stages() const { return static_cast<int>(stages_.size()); }
  const std::vector<Step> &steps() const { return steps_; }

  /// Applies a step (validated: an invalid step throws UserError(BadSchedule)) and records it.
  void apply(const Step &step);
  /// Replays steps from the initial state of `initial_dag`.
  static State replay(std::shared_ptr<const ir::ComputeDAG> initial_dag,
                      const std::vector<Step> &steps);

  /// Stages reading stage id, looking through inlined stages (Ansor's GetConsumers).
  std::vector<int> consumers(int id) const;
  /// Stages attached (compute_at) to iterator uid of stage id.
  std::vector<int> attached_to(int id, int uid) const;
  /// True when stage id has been split or fused (Ansor's IsTiled).
  bool is_tiled(int id) const;
  bool has_reduce_iter(int id) const;
  /// True when a cache_write stage (X.local) feeds stage id.
  bool has_cache_write_stage(int id) const;
  /// True when every split length is defined.
  bool is_concrete() const;

  /// Ansor-style loop-nest listing, with the attach structure.
  std::string to_string() const;
  /// Canonical text of the step history: equal for equal schedules (used to deduplicate).
  std::string key() const;

  // Low-level mutators used by steps (transform_step.cpp).
  Stage &mutable_stage(int id) { return stages_.at(id); }
  void set_dag(std::shared_ptr<const ir::ComputeDAG> dag) { dag_ = std::move(dag); }
  /// Rebuilds stages after the DAG gained a stage at `inserted` (cache_write/read, rfactor):
  /// later stage ids shift by one, and stages listed in `fresh` get fresh iterators.
  void insert_stage(int inserted, const std::vector<int> &fresh);
  void push_step(Step s) { steps_.push_back(std::move(s)); }

 private:
  std::shared_ptr<const ir::ComputeDAG> initial_dag_;
  std::shared_ptr<const ir::ComputeDAG> dag_;
  std::vector<Stage> stages_;
  std::vector<Step> steps_;
};

/// A fresh stage for op op_id of dag (its axes as iterators, nothing attached).
Stage make_stage(const ir::ComputeDAG &dag, int op_id);

/// For each axis of the stage's op (spatial then reduce), its value as an expression over the
/// stage's current iterator uids (Var(uid)).
std::vector<ir::Expr> axis_exprs(const Stage &stage, const ir::ComputeDAG &dag);

}  // namespace worldtune::schedule
