/// \file Ansor's CPU init-population rules: FillTileSize, ChangeComputeLocation, Parallel,
/// Unroll, Vectorization.
#include "search/annotation_rules.h"

#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "worldtune/error.h"

namespace worldtune::search {

using schedule::ComputeAtKind;
using schedule::IterAnnotation;
using schedule::IterKind;
using schedule::State;

const std::vector<std::vector<int64_t>> &factorization_schemes(int64_t extent, int n,
                                                               int max_innermost) {
  static thread_local std::map<std::tuple<int64_t, int, int>, std::vector<std::vector<int64_t>>>
      memo;
  auto key = std::make_tuple(extent, n, max_innermost);
  auto it = memo.find(key);
  if (it != memo.end()) return it->second;
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> cur;
  std::function<void(int64_t, int)> rec = [&](int64_t left, int depth) {
    if (depth == n) {
      if (cur.back() <= max_innermost) out.push_back(cur);
      return;
    }
    for (int64_t d = 1; d <= left; ++d) {
      if (left % d) continue;
      cur.push_back(d);
      rec(left / d, depth + 1);
      cur.pop_back();
    }
  };
  if (n > 0) rec(extent, 0);
  return memo[key] = out;
}

namespace {

bool fill_tile_size(State &state, const AnnotationParams &p, Rng &rng) {
  std::vector<schedule::Step> steps = state.steps();
  for (schedule::Step &step : steps) {
    auto *sp = std::get_if<schedule::SplitStep>(&step);
    if (sp == nullptr) continue;
    bool undefined = false;
    for (const auto &l : sp->lengths) undefined = undefined || !l;
    if (!undefined) continue;
    if (sp->extent <= 0) return false;
    const auto &schemes = factorization_schemes(sp->extent, static_cast<int>(sp->lengths.size()),
                                                p.max_innermost_split_factor);
    if (schemes.empty()) return false;
    const auto &pick = schemes[rng.uniform(schemes.size())];
    for (size_t i = 0; i < pick.size(); ++i) sp->lengths[i] = pick[i];
  }
  state = State::replay(state.initial_dag(), steps);
  return true;
}

/// Ansor's GetSingleConsumerId: the only consumer, or the common root of several.
int single_consumer_root(const State &state, int stage_id) {
  std::vector<int> consumers = state.consumers(stage_id);
  if (consumers.size() == 1) return consumers[0];
  int target = -1;
  for (int c : consumers) {
    const auto &cs = state.stage(c);
    int root = cs.compute_at == ComputeAtKind::Iter ? cs.attach_stage : c;
    if (target == -1)
      target = root;
    else if (target != root)
      return -1;
  }
  return target;
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// 0 inlines, 1 roots, 2 + i attaches to candidate i.
int draw_location(size_t num_cands, bool balanced, Rng &rng) {
  if (!balanced || num_cands == 0) return static_cast<int>(rng.uniform(num_cands + 2));
  int kind = static_cast<int>(rng.uniform(3));
  return kind < 2 ? kind : 2 + static_cast<int>(rng.uniform(num_cands));
}

void change_compute_location(State &state, bool balanced, Rng &rng) {
  for (int id = state.num_stages() - 1; id >= 0; --id) {
    const auto &st = state.stage(id);
    if (state.dag().op(id).is_placeholder || st.compute_at == ComputeAtKind::Inlined) continue;
    if (state.is_tiled(id) || state.dag().access(id).needs_multi_level_tiling) continue;
    if (state.dag().consumers(id).empty()) continue;  // outputs stay at root
    auto cands = compute_location_candidates(state, id);
    int choice = draw_location(cands.size(), balanced, rng);
    if (choice == 0) {
      // Ansor inlines here only a stage already attached to a loop, so a stage that starts at
      // root (padding with its branch, exp) is never inlined on CPU. Halide handles an inlined
      // select of a clamped load well (it is its boundary-condition idiom), so worldtune inlines
      // from root too: see docs/ansor_deviations.md.
      if (!state.has_reduce_iter(id)) state.apply(schedule::ComputeInlineStep{id});
    } else if (choice == 1) {
      state.apply(schedule::ComputeRootStep{id});
    } else {
      auto [t, i] = cands[choice - 2];
      state.apply(schedule::ComputeAtStep{id, t, i});
    }
  }
}

void annotate_parallel(State &state, int stage_id, int offset, const AnnotationParams &p) {
  const auto &st = state.stage(stage_id);
  std::vector<int> to_fuse;
  int64_t degree = 1;
  size_t i = offset;
  for (; i < st.iters.size(); ++i) {
    const auto &it = st.iters[i];
    if (it.kind == IterKind::Reduction || it.annotation != IterAnnotation::None) break;
    to_fuse.push_back(static_cast<int>(i));
    degree *= it.extent;
    if (degree > int64_t{p.hw.num_cores} * 16) break;
    if (!state.attached_to(stage_id, it.uid).empty()) break;
  }
  if (degree == 1 && i < st.iters.size()) {
    auto attached = state.attached_to(stage_id, st.iters[i].uid);
    if (!attached.empty()) {
      // Nothing to parallelize out here: go into the stages computed at this loop, and on.
      for (int a : attached) annotate_parallel(state, a, 0, p);
      annotate_parallel(state, stage_id, static_cast<int>(i) + 1, p);
      return;
    }
  }
  if (to_fuse.empty()) return;
  if (to_fuse.size() > 1) state.apply(schedule::FuseStep{stage_id, to_fuse});
  state.apply(schedule::AnnotationStep{stage_id, to_fuse.front(),
                                       static_cast<int>(IterAnnotation::Parallel)});
}

void init_parallel(State &state, const AnnotationParams &p) {
  for (int id = 0; id < state.num_stages(); ++id) {
    if (state.dag().op(id).is_placeholder || state.stage(id).compute_at != ComputeAtKind::Root)
      continue;
    annotate_parallel(state, id, 0, p);
  }
}

void init_unroll(State &state, const AnnotationParams &p, Rng &rng) {
  for (int id = 0; id < state.num_stages(); ++id) {
    if (state.dag().op(id).is_placeholder || state.stage(id).compute_at == ComputeAtKind::Inlined ||
        !state.has_reduce_iter(id))
      continue;
    int v = p.auto_unroll_configs[rng.uniform(p.auto_unroll_configs.size())];
    state.apply(schedule::PragmaStep{id, 0, "auto_unroll_max_step$" + std::to_string(v)});
  }
}

void init_vectorization(State &state, const AnnotationParams &p, Rng &rng) {
  for (int id = 0; id < state.num_stages(); ++id) {
    if (state.dag().op(id).is_placeholder || state.stage(id).compute_at == ComputeAtKind::Inlined)
      continue;
    const auto &st = state.stage(id);
    int n = static_cast<int>(st.iters.size());
    int64_t prod = 1;
    int fusible = 0;
    bool tiled = state.is_tiled(id);
    while (fusible < n) {
      const auto &it = st.iters[n - 1 - fusible];
      if (!state.attached_to(id, it.uid).empty()) break;
      if (it.kind == IterKind::Reduction || it.annotation != IterAnnotation::None) break;
      if (tiled && fusible != 0) break;
      prod *= it.extent;
      if (prod > p.max_vectorize_size) break;
      ++fusible;
    }
    if (fusible > 1) fusible = 1 + static_cast<int>(rng.uniform(fusible - 1));
    if (fusible == 0) continue;
    if (fusible > 1) {
      std::vector<int> idx;
      for (int k = n - fusible; k < n; ++k) idx.push_back(k);
      state.apply(schedule::FuseStep{id, idx});
    }
    int last = static_cast<int>(state.stage(id).iters.size()) - 1;
    state.apply(schedule::AnnotationStep{id, last, static_cast<int>(IterAnnotation::Vectorize)});
  }
}

bool has_parallel(const schedule::Stage &st, int upto) {
  for (int i = 0; i <= upto && i < static_cast<int>(st.iters.size()); ++i)
    if (st.iters[i].annotation == IterAnnotation::Parallel) return true;
  return false;
}

}  // namespace

std::vector<std::pair<int, int>> compute_location_candidates(const State &state, int stage_id) {
  std::vector<std::pair<int, int>> out;
  int target = single_consumer_root(state, stage_id);
  if (target < 0) return out;
  const auto &ts = state.stage(target);
  bool target_attached = ts.compute_at == ComputeAtKind::Iter;
  bool tiled = state.is_tiled(target);
  bool visited_reduce = false;
  for (size_t i = 0; i < ts.iters.size(); ++i) {
    const auto &it = ts.iters[i];
    if (it.kind == IterKind::Reduction) {
      visited_reduce = true;
      if (!tiled) break;
    } else if (it.kind == IterKind::Spatial && visited_reduce) {
      break;
    }
    if (it.annotation == IterAnnotation::Unroll) break;
    // Unlike Ansor, an attach point ends the walk even when its extent is 1: a producer placed
    // deeper would sit inside a loop its consumer is not computed in.
    bool attach_point = !state.attached_to(target, it.uid).empty();
    bool skip = it.extent == 1 ||
                (target_attached && it.kind == IterKind::Spatial && ends_with(it.name, ".0"));
    if (!skip) out.push_back({target, static_cast<int>(i)});
    if (attach_point) break;
  }
  if (target_attached) {
    int tt = ts.attach_stage;
    const auto &tts = state.stage(tt);
    for (size_t i = 0; i < tts.iters.size(); ++i) {
      const auto &it = tts.iters[i];
      if (it.kind == IterKind::Reduction || !state.attached_to(tt, it.uid).empty()) break;
      if (it.annotation == IterAnnotation::Unroll) break;
      if (it.extent == 1) continue;
      out.push_back({tt, static_cast<int>(i)});
    }
  }
  return out;
}

bool has_nested_parallel(const State &state) {
  for (int id = 0; id < state.num_stages(); ++id) {
    const auto &st = state.stage(id);
    int n_par = 0;
    for (const auto &it : st.iters) n_par += it.annotation == IterAnnotation::Parallel;
    if (n_par > 1) return true;
    if (n_par == 0) continue;
    // Walk the attach chain: a parallel loop at or outside any attach point is an outer one.
    int cur = id;
    while (state.stage(cur).compute_at == ComputeAtKind::Iter) {
      const auto &c = state.stage(cur);
      const auto &t = state.stage(c.attach_stage);
      if (has_parallel(t, t.find_iter(c.attach_uid))) return true;
      cur = c.attach_stage;
    }
  }
  return false;
}

std::optional<State> annotate_sketch(const State &sketch, const AnnotationParams &p, Rng &rng) {
  State s = sketch;
  if (!fill_tile_size(s, p, rng)) return std::nullopt;
  if (!p.disable_change_compute_location) change_compute_location(s, p.balanced_locations, rng);
  init_parallel(s, p);
  init_unroll(s, p, rng);
  init_vectorization(s, p, rng);
  if (has_nested_parallel(s)) return std::nullopt;
  return s;
}

std::vector<State> sample_states(const std::vector<State> &sketches, int n,
                                 const AnnotationParams &params, Rng &rng) {
  std::vector<State> out;
  std::set<std::string> seen;
  int misses = 0;
  while (static_cast<int>(out.size()) < n && misses < 10 * n + 100 && !sketches.empty()) {
    const State &sketch = sketches[rng.uniform(sketches.size())];
    std::optional<State> s = annotate_sketch(sketch, params, rng);
    if (!s || !seen.insert(s->key()).second) {
      ++misses;
      continue;
    }
    misses = 0;
    out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace worldtune::search
