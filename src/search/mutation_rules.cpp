/// \file The four CPU mutation rules. They work on the step history, so stage and iterator ids
/// in later steps stay meaningful (MutateParallel shifts them where a fuse changes width).
#include "search/mutation_rules.h"

#include <numeric>

#include "worldtune/error.h"

namespace worldtune::search {

using schedule::ComputeAtKind;
using schedule::IterAnnotation;
using schedule::IterKind;
using schedule::State;
using schedule::Step;

namespace {

std::optional<State> replay(const State &s, const std::vector<Step> &steps) {
  try {
    State out = State::replay(s.initial_dag(), steps);
    if (has_nested_parallel(out)) return std::nullopt;
    return out;
  } catch (const UserError &) {
    return std::nullopt;
  }
}

std::vector<int64_t> divisors(int64_t n) {
  std::vector<int64_t> d;
  for (int64_t i = 1; i * i <= n; ++i) {
    if (n % i) continue;
    d.push_back(i);
    if (i != n / i) d.push_back(n / i);
  }
  std::sort(d.begin(), d.end());
  return d;
}

}  // namespace

std::optional<State> mutate_tile_size(const State &s, const AnnotationParams &p, Rng &rng) {
  std::vector<size_t> ids;
  for (size_t i = 0; i < s.steps().size(); ++i) {
    const auto *sp = std::get_if<schedule::SplitStep>(&s.steps()[i]);
    if (sp == nullptr || sp->extent <= 1 || sp->lengths.empty() || !sp->lengths.back()) continue;
    if (*sp->lengths.back() > p.max_innermost_split_factor) continue;
    ids.push_back(i);
  }
  if (ids.empty()) return std::nullopt;
  size_t step_id = ids[rng.uniform(ids.size())];
  std::vector<Step> steps = s.steps();
  auto &sp = std::get<schedule::SplitStep>(steps[step_id]);
  std::vector<int64_t> lengths{0};
  int64_t prod = 1;
  for (const auto &l : sp.lengths) {
    if (!l) return std::nullopt;
    lengths.push_back(*l);
    prod *= *l;
  }
  if (prod <= 0 || sp.extent % prod) return std::nullopt;
  lengths[0] = sp.extent / prod;
  std::vector<size_t> perm(lengths.size());
  std::iota(perm.begin(), perm.end(), 0);
  rng.shuffle(perm);
  for (size_t i = 0; i < perm.size(); ++i) {
    size_t src = perm[i], dst = perm[(i + 1) % perm.size()];
    if (lengths[src] <= 1) continue;
    std::vector<int64_t> factors = divisors(lengths[src]);  // factors[0] == 1
    int64_t factor;
    if (dst == lengths.size() - 1) {
      size_t max_index = factors.size() - 1;
      while (max_index >= 1 && factors[max_index] * lengths[dst] > p.max_innermost_split_factor)
        --max_index;
      if (max_index == 0) continue;
      factor = factors[1 + rng.uniform(max_index)];
    } else {
      factor = factors[1 + rng.uniform(factors.size() - 1)];
    }
    lengths[src] /= factor;
    lengths[dst] *= factor;
    for (size_t k = 1; k < lengths.size(); ++k) sp.lengths[k - 1] = lengths[k];
    return replay(s, steps);
  }
  return std::nullopt;
}

std::optional<State> mutate_auto_unroll(const State &s, const AnnotationParams &p, Rng &rng) {
  const std::string prefix = "auto_unroll_max_step$";
  std::vector<size_t> ids;
  for (size_t i = 0; i < s.steps().size(); ++i) {
    const auto *pr = std::get_if<schedule::PragmaStep>(&s.steps()[i]);
    if (pr && pr->pragma.rfind(prefix, 0) == 0) ids.push_back(i);
  }
  if (ids.empty() || p.auto_unroll_configs.empty()) return std::nullopt;
  std::vector<Step> steps = s.steps();
  auto &pr = std::get<schedule::PragmaStep>(steps[ids[rng.uniform(ids.size())]]);
  pr.pragma =
      prefix + std::to_string(p.auto_unroll_configs[rng.uniform(p.auto_unroll_configs.size())]);
  return replay(s, steps);
}

std::optional<State> mutate_compute_location(const State &s, const AnnotationParams &p, Rng &rng) {
  if (p.disable_change_compute_location) return std::nullopt;
  // Only CA steps after which no stage is inserted: their stage ids are the final state's.
  size_t last_insert = 0;
  for (size_t i = 0; i < s.steps().size(); ++i) {
    const Step &st = s.steps()[i];
    if (std::holds_alternative<schedule::CacheWriteStep>(st) ||
        std::holds_alternative<schedule::CacheReadStep>(st) ||
        std::holds_alternative<schedule::RfactorStep>(st))
      last_insert = i + 1;
  }
  std::vector<size_t> ids;
  for (size_t i = last_insert; i < s.steps().size(); ++i) {
    const auto *ca = std::get_if<schedule::ComputeAtStep>(&s.steps()[i]);
    if (ca == nullptr) continue;
    if (s.is_tiled(ca->stage) || s.dag().access(ca->stage).needs_multi_level_tiling) continue;
    ids.push_back(i);
  }
  if (ids.empty()) return std::nullopt;
  size_t step_id = ids[rng.uniform(ids.size())];
  auto &ca = std::get<schedule::ComputeAtStep>(s.steps()[step_id]);
  std::vector<std::pair<int, int>> cands = compute_location_candidates(s, ca.stage);
  if (cands.empty()) return std::nullopt;
  auto [t, i] = cands[rng.uniform(cands.size())];
  std::vector<Step> steps = s.steps();
  steps[step_id] = schedule::ComputeAtStep{ca.stage, t, i};
  return replay(s, steps);
}

std::optional<State> mutate_parallel(const State &s, const AnnotationParams &p, Rng &rng) {
  // Only Ansor's case: a parallel outermost loop made by a fuse from iterator 0. The mutation
  // changes how many outer iterators that fuse takes.
  std::vector<size_t> ids;
  for (size_t i = 1; i < s.steps().size(); ++i) {
    const auto *an = std::get_if<schedule::AnnotationStep>(&s.steps()[i]);
    if (an == nullptr || an->iter != 0 ||
        an->annotation != static_cast<int>(IterAnnotation::Parallel))
      continue;
    const auto *fu = std::get_if<schedule::FuseStep>(&s.steps()[i - 1]);
    if (fu && !fu->iters.empty() && fu->iters.front() == 0) ids.push_back(i);
  }
  if (ids.empty()) return std::nullopt;
  size_t an_id = ids[rng.uniform(ids.size())];
  const auto &old_fuse = std::get<schedule::FuseStep>(s.steps()[an_id - 1]);
  int stage = old_fuse.stage;
  std::vector<Step> steps(s.steps().begin(), s.steps().begin() + static_cast<long>(an_id - 1));
  State before;
  try {
    before = State::replay(s.initial_dag(), steps);
  } catch (const UserError &) {
    return std::nullopt;
  }
  const schedule::Stage &st = before.stage(stage);
  int max_n = 0;
  for (const auto &it : st.iters) {
    if (it.kind == IterKind::Reduction || it.annotation != IterAnnotation::None) break;
    if (!before.attached_to(stage, it.uid).empty()) break;
    ++max_n;
  }
  if (max_n == 0) return std::nullopt;
  int new_n = 1 + static_cast<int>(rng.uniform(static_cast<uint64_t>(max_n)));
  int offset = old_fuse.iters.back() - (new_n - 1);
  if (offset == 0) return std::nullopt;
  std::vector<int> iters(new_n);
  std::iota(iters.begin(), iters.end(), 0);
  steps.push_back(schedule::FuseStep{stage, iters});
  steps.push_back(s.steps()[an_id]);
  // Later steps on the stage name iterators past the fused ones: shift them. Ansor gives up on
  // any other kind of later step there, and on steps that insert stages.
  for (size_t i = an_id + 1; i < s.steps().size(); ++i) {
    Step step = s.steps()[i];
    if (std::holds_alternative<schedule::CacheWriteStep>(step) ||
        std::holds_alternative<schedule::CacheReadStep>(step) ||
        std::holds_alternative<schedule::RfactorStep>(step))
      return std::nullopt;
    if (schedule::step_stage(step) == stage) {
      // An iterator a later step annotates that the new fuse swallowed (it would vectorize or
      // unroll the parallel loop itself): no such mutation.
      if (auto *a = std::get_if<schedule::AnnotationStep>(&step)) {
        if (a->iter != 0 && (a->iter += offset) <= 0) return std::nullopt;
      } else if (auto *pr = std::get_if<schedule::PragmaStep>(&step)) {
        if (pr->iter != 0 && (pr->iter += offset) <= 0) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
    steps.push_back(step);
  }
  return replay(s, steps);
}

std::optional<State> mutate(const State &s, const AnnotationParams &p, Rng &rng) {
  double total = std::accumulate(std::begin(kMutationWeights), std::end(kMutationWeights), 0.0);
  double r = rng.uniform_real() * total;
  int rule = 0;
  for (; rule < 3 && r >= kMutationWeights[rule]; ++rule) r -= kMutationWeights[rule];
  switch (static_cast<MutationRule>(rule)) {
    case MutationRule::TileSize:
      return mutate_tile_size(s, p, rng);
    case MutationRule::AutoUnroll:
      return mutate_auto_unroll(s, p, rng);
    case MutationRule::ComputeLocation:
      return mutate_compute_location(s, p, rng);
    case MutationRule::Parallel:
      return mutate_parallel(s, p, rng);
  }
  return std::nullopt;
}

}  // namespace worldtune::search
