/// \file CPU sketch rules.
#include "search/sketch_rules.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "worldtune/error.h"

namespace worldtune::search {

using schedule::ComputeAtKind;
using schedule::IterKind;
using schedule::State;

namespace {

enum class Condition { Pass, Apply, ApplyAndSkipRest };

class SketchRule {
 public:
  virtual ~SketchRule() = default;
  virtual Condition condition(const State &s, int stage_id) const = 0;
  virtual std::vector<std::pair<State, int>> apply(const State &s, int stage_id) const = 0;
};

bool is_output(const State &s, int id) { return s.dag().consumers(id).empty(); }
bool is_placeholder(const State &s, int id) { return s.dag().op(id).is_placeholder; }

/// Reorders stage iterators to the given uid order.
void reorder_by_uids(State &s, int stage_id, const std::vector<int> &uids) {
  std::vector<int> order;
  for (int uid : uids) order.push_back(s.stage(stage_id).find_iter(uid));
  s.apply(schedule::ReorderStep{stage_id, order});
}

/// Splits the iterator with this uid into n parts with undefined lengths; returns part uids.
std::vector<int> split_undefined(State &s, int stage_id, int uid, int n_parts) {
  int idx = s.stage(stage_id).find_iter(uid);
  const auto &it = s.stage(stage_id).iters[idx];
  s.apply(schedule::SplitStep{stage_id, idx, it.extent,
                              std::vector<std::optional<int64_t>>(n_parts - 1), true});
  std::vector<int> out;
  const auto &st = s.stage(stage_id);
  for (int i = 0; i < n_parts; ++i) out.push_back(st.iters[idx + i].uid);
  return out;
}

/// Ansor's DoMultiLevelTiling; appends the step ids of the spatial splits.
void multi_level_tiling(State &s, int stage_id, const std::string &structure,
                        std::vector<int> *spatial_split_steps) {
  int n_space = static_cast<int>(std::count(structure.begin(), structure.end(), 'S'));
  int n_reduce = static_cast<int>(std::count(structure.begin(), structure.end(), 'R'));
  std::vector<std::vector<int>> space_levels(n_space), reduce_levels(n_reduce);
  std::vector<std::pair<int, IterKind>> original;
  for (const auto &it : s.stage(stage_id).iters) original.push_back({it.uid, it.kind});
  for (auto [uid, kind] : original) {
    if (kind == IterKind::Spatial) {
      auto parts = split_undefined(s, stage_id, uid, n_space);
      for (int j = 0; j < n_space; ++j) space_levels[j].push_back(parts[j]);
      if (spatial_split_steps)
        spatial_split_steps->push_back(static_cast<int>(s.steps().size()) - 1);
    } else if (kind == IterKind::Reduction) {
      auto parts = split_undefined(s, stage_id, uid, n_reduce);
      for (int j = 0; j < n_reduce; ++j) reduce_levels[j].push_back(parts[j]);
    }
  }
  std::vector<int> order;
  int si = 0, ri = 0;
  for (char c : structure) {
    auto &level = c == 'S' ? space_levels[si++] : reduce_levels[ri++];
    order.insert(order.end(), level.begin(), level.end());
  }
  reorder_by_uids(s, stage_id, order);
}

/// Ansor's FollowTiling: the consumer follows the producer's spatial splits with n_split levels.
void follow_tiling(State &s, int stage_id, const std::vector<int> &split_steps, int n_split) {
  std::vector<std::vector<int>> levels(n_split + 1);
  std::vector<int> spatial;
  for (const auto &it : s.stage(stage_id).iters)
    if (it.kind == IterKind::Spatial) spatial.push_back(it.uid);
  WT_ASSERT(spatial.size() == split_steps.size(), "follow tiling of a different shape");
  for (size_t j = 0; j < spatial.size(); ++j) {
    int idx = s.stage(stage_id).find_iter(spatial[j]);
    s.apply(schedule::FollowSplitStep{stage_id, idx, split_steps[j], n_split});
    for (int k = 0; k <= n_split; ++k) levels[k].push_back(s.stage(stage_id).iters[idx + k].uid);
  }
  std::vector<int> order;
  for (const auto &l : levels) order.insert(order.end(), l.begin(), l.end());
  reorder_by_uids(s, stage_id, order);
}

class AlwaysInline : public SketchRule {
 public:
  Condition condition(const State &s, int id) const override {
    if (is_placeholder(s, id) || is_output(s, id) || s.has_reduce_iter(id)) return Condition::Pass;
    return s.dag().access(id).is_strictly_inlineable ? Condition::ApplyAndSkipRest
                                                     : Condition::Pass;
  }
  std::vector<std::pair<State, int>> apply(const State &s, int id) const override {
    State t = s;
    t.apply(schedule::ComputeInlineStep{id});
    return {{t, id - 1}};
  }
};

class AddRfactor : public SketchRule {
 public:
  explicit AddRfactor(const SketchParams &p) : p_(p) {}
  Condition condition(const State &s, int id) const override {
    if (is_placeholder(s, id) || s.has_cache_write_stage(id)) return Condition::Pass;
    return needs_rfactor(s, id) ? Condition::Apply : Condition::Pass;
  }
  std::vector<std::pair<State, int>> apply(const State &s, int id) const override {
    State base = s;
    std::vector<int> reduce_idx;
    const auto &st = base.stage(id);
    for (size_t i = 0; i < st.iters.size(); ++i)
      if (st.iters[i].kind == IterKind::Reduction) reduce_idx.push_back(static_cast<int>(i));
    if (reduce_idx.size() > 1) base.apply(schedule::FuseStep{id, reduce_idx});
    int fused = reduce_idx.front();
    int n_space = static_cast<int>(base.dag().op(id).axes.size());
    auto parts = split_undefined(base, id, base.stage(id).iters[fused].uid, 2);
    std::vector<std::pair<State, int>> out;
    for (int variant = 0; variant < 2; ++variant) {
      State t = base;
      int iter = t.stage(id).find_iter(parts[variant]);
      t.apply(schedule::RfactorStep{id, iter, n_space});
      if (variant == 1) {
        // Move the new spatial axis innermost so that it can be vectorized.
        const auto &rf = t.stage(id);
        std::vector<int> order;
        for (size_t i = 0; i < rf.iters.size(); ++i)
          if (static_cast<int>(i) != n_space) order.push_back(static_cast<int>(i));
        order.push_back(n_space);
        t.apply(schedule::ReorderStep{id, order});
      }
      out.push_back({t, id - 1});
    }
    return out;
  }

 private:
  bool needs_rfactor(const State &s, int id) const {
    const ir::Op &op = s.dag().op(id);
    if (op.reduce_axes.empty()) return false;
    int64_t space = 1, reduce = 1;
    for (const auto &it : s.stage(id).iters) {
      if (it.kind == IterKind::Spatial) space *= it.extent;
      if (it.kind == IterKind::Reduction) reduce *= it.extent;
    }
    if (needs_multi_level_tiling(s, id))
      return space <= reduce && space <= int64_t{p_.hw.num_cores} * 16;
    return reduce > 1 && reduce > p_.hw.num_cores;
  }
  SketchParams p_;
};

class AddCacheWrite : public SketchRule {
 public:
  Condition condition(const State &s, int id) const override {
    if (is_placeholder(s, id) || !needs_multi_level_tiling(s, id)) return Condition::Pass;
    int target;
    return has_single_elementwise_matched_consumer(s, id, &target) ? Condition::Pass
                                                                   : Condition::Apply;
  }
  std::vector<std::pair<State, int>> apply(const State &s, int id) const override {
    State t = s;
    t.apply(schedule::CacheWriteStep{id, "local"});
    return {{t, id}};
  }
};

class MultiLevelTilingWithFusion : public SketchRule {
 public:
  explicit MultiLevelTilingWithFusion(const SketchParams &p) : p_(p) {}
  Condition condition(const State &s, int id) const override {
    int target;
    // A consumer that is already tiled cannot follow this stage's tiling.
    if (is_placeholder(s, id) || !needs_multi_level_tiling(s, id) ||
        !has_single_elementwise_matched_consumer(s, id, &target) || s.is_tiled(target))
      return Condition::Pass;
    return s.has_cache_write_stage(id) ? Condition::ApplyAndSkipRest : Condition::Apply;
  }
  std::vector<std::pair<State, int>> apply(const State &s, int id) const override {
    int target = -1;
    has_single_elementwise_matched_consumer(s, id, &target);
    const std::string &structure = p_.cpu_multi_level_tiling_structure;
    std::vector<std::pair<State, int>> out;
    for (int level : {1, 2}) {
      if (structure[level - 1] != 'S') continue;
      State t = s;
      std::vector<int> split_steps;
      multi_level_tiling(t, id, structure, &split_steps);
      follow_tiling(t, target, split_steps, level);
      int n = static_cast<int>(split_steps.size());
      t.apply(schedule::ComputeAtStep{id, target, level * n - 1});
      out.push_back({t, id - 1});
    }
    return out;
  }

 private:
  SketchParams p_;
};

class MultiLevelTiling : public SketchRule {
 public:
  explicit MultiLevelTiling(const SketchParams &p) : p_(p) {}
  Condition condition(const State &s, int id) const override {
    return !is_placeholder(s, id) && needs_multi_level_tiling(s, id) ? Condition::ApplyAndSkipRest
                                                                     : Condition::Pass;
  }
  std::vector<std::pair<State, int>> apply(const State &s, int id) const override {
    State t = s;
    multi_level_tiling(t, id, p_.cpu_multi_level_tiling_structure, nullptr);
    return {{t, id - 1}};
  }

 private:
  SketchParams p_;
};

class SkipStage : public SketchRule {
 public:
  Condition condition(const State &, int) const override { return Condition::Apply; }
  std::vector<std::pair<State, int>> apply(const State &s, int id) const override {
    return {{s, id - 1}};
  }
};

std::vector<std::unique_ptr<SketchRule>> cpu_sketch_rules(const SketchParams &p) {
  std::vector<std::unique_ptr<SketchRule>> rules;
  rules.push_back(std::make_unique<AlwaysInline>());
  rules.push_back(std::make_unique<AddRfactor>(p));
  rules.push_back(std::make_unique<AddCacheWrite>());
  rules.push_back(std::make_unique<MultiLevelTilingWithFusion>(p));
  rules.push_back(std::make_unique<MultiLevelTiling>(p));
  rules.push_back(std::make_unique<SkipStage>());
  return rules;
}

}  // namespace

bool needs_multi_level_tiling(const State &state, int stage_id) {
  return state.dag().access(stage_id).needs_multi_level_tiling;
}

bool has_single_elementwise_matched_consumer(const State &state, int stage_id, int *target) {
  std::vector<int> consumers = state.consumers(stage_id);
  if (consumers.size() != 1) return false;
  int t = consumers[0];
  const std::string &name = state.dag().op(t).name;
  bool shared = name.size() >= 7 && name.compare(name.size() - 7, 7, ".shared") == 0;
  if (shared || !state.dag().elementwise_match(stage_id, t)) return false;
  if (state.has_reduce_iter(stage_id) && state.has_reduce_iter(t)) return false;
  *target = t;
  return true;
}

std::vector<State> generate_sketches(const State &initial, const SketchParams &params) {
  auto rules = cpu_sketch_rules(params);
  std::vector<std::pair<State, int>> pending = {{initial, initial.num_stages() - 1}};
  std::vector<State> out;
  while (!pending.empty()) {
    std::vector<std::pair<State, int>> next;
    for (auto &[state, cursor] : pending) {
      if (cursor < 0) {
        out.push_back(state);
        continue;
      }
      for (const auto &rule : rules) {
        Condition c = rule->condition(state, cursor);
        if (c == Condition::Pass) continue;
        for (auto &r : rule->apply(state, cursor)) next.push_back(std::move(r));
        if (c == Condition::ApplyAndSkipRest) break;
      }
    }
    pending = std::move(next);
  }
  return out;
}

}  // namespace worldtune::search
