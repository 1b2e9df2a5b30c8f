/// \file One round of Ansor's search for one task: sample, inject measured, evolve, pick.
#include "search/sketch_policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "search/mutation_rules.h"

namespace worldtune::search {

using schedule::State;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Scores at or below this are invalid states (the models give -inf).
constexpr float kInvalidScore = -1e10f;

/// neighbours_of_bests: the fastest measured states mutated, and how many mutants are scored.
constexpr size_t kLocalParents = 8;
constexpr size_t kLocalMutants = 512;

}  // namespace

SketchPolicy::SketchPolicy(std::shared_ptr<const SearchTask> task, SearchParams params,
                           uint64_t seed)
    : task_(std::move(task)), params_(std::move(params)), rng_(seed) {
  params_.sketch.hw = task_->hw;
  params_.annotation.hw = task_->hw;
  sketches_ = generate_sketches(State(task_->dag), params_.sketch);
}

std::vector<float> SketchPolicy::predict(CostModel &model, const std::vector<State> &states) {
  bool real = model.scores_now();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<float> scores = model.predict(*task_, states);
  double seconds = seconds_since(t0);
  stats_.predict_s += seconds;
  stats_.predicted += static_cast<int>(states.size());
  if (real) {
    stats_.scored_s += seconds;
    stats_.scored += static_cast<int>(states.size());
  }
  return scores;
}

std::vector<State> SketchPolicy::sample_init_population(CostModel &model) {
  std::vector<State> out;
  std::set<std::string> explored;
  int unchanged = 0;
  const int population = params_.evolutionary_search_population;
  while (static_cast<int>(out.size()) < params_.sample_init_min_population && unchanged < 5 &&
         !sketches_.empty()) {
    std::vector<State> cands;
    for (int i = 0; i < population; ++i) {
      const State &sketch = sketches_[rng_.uniform(sketches_.size())];
      std::optional<State> s = annotate_sketch(sketch, params_.annotation, rng_);
      if (s) cands.push_back(std::move(*s));
    }
    std::vector<float> scores = predict(model, cands);
    size_t before = out.size();
    for (size_t i = 0; i < cands.size(); ++i)
      if (scores[i] > kInvalidScore && explored.insert(cands[i].key()).second)
        out.push_back(std::move(cands[i]));
    unchanged = out.size() == before ? unchanged + 1 : 0;
  }
  return out;
}

std::vector<State> SketchPolicy::evolutionary_search(CostModel &model,
                                                     std::vector<State> population, int out_size) {
  int num_iters = params_.evolutionary_search_num_iters;
  // Ansor: a random model cannot guide evolution, so it gets two generations.
  if (!model.guides_search()) num_iters = std::min(num_iters, 2);
  struct Entry {
    float score;
    State state;
  };
  auto worse = [](const Entry &a, const Entry &b) { return a.score > b.score; };  // min-heap
  std::vector<Entry> heap;
  std::set<std::string> in_heap;
  for (int k = 0;; ++k) {
    std::vector<float> scores = predict(model, population);
    for (size_t i = 0; i < population.size(); ++i) {
      if (!(scores[i] > kInvalidScore)) continue;
      std::string key = population[i].key();
      if (measured_keys_.count(key) || in_heap.count(key)) continue;
      if (static_cast<int>(heap.size()) < out_size) {
        heap.push_back({scores[i], population[i]});
        std::push_heap(heap.begin(), heap.end(), worse);
        in_heap.insert(std::move(key));
      } else if (!heap.empty() && scores[i] > heap.front().score) {
        in_heap.erase(heap.front().state.key());
        std::pop_heap(heap.begin(), heap.end(), worse);
        heap.back() = {scores[i], population[i]};
        std::push_heap(heap.begin(), heap.end(), worse);
        in_heap.insert(std::move(key));
      }
    }
    if (k == num_iters || population.empty()) break;

    // Roulette-wheel selection by max(score, 0); uniform when nothing scores above 0.
    std::vector<double> prefix(population.size());
    double total = 0;
    for (size_t i = 0; i < population.size(); ++i) {
      total += std::max(0.0f, std::isfinite(scores[i]) ? scores[i] : 0.0f);
      prefix[i] = total;
    }
    auto pick = [&]() -> const State & {
      if (total <= 0) return population[rng_.uniform(population.size())];
      double r = rng_.uniform_real() * total;
      size_t i = std::upper_bound(prefix.begin(), prefix.end(), r) - prefix.begin();
      return population[std::min(i, population.size() - 1)];
    };
    std::vector<State> next;
    const int target = params_.evolutionary_search_population;
    int failures = 0;
    while (static_cast<int>(next.size()) < target && failures < 10 * target) {
      const State &parent = pick();
      if (rng_.uniform_real() < params_.evolutionary_search_mutation_prob) {
        std::optional<State> child = mutate(parent, params_.annotation, rng_);
        if (child) {
          next.push_back(std::move(*child));
        } else {
          ++failures;
        }
      } else {
        next.push_back(parent);
      }
    }
    population = std::move(next);
  }
  std::sort(heap.begin(), heap.end(),
            [](const Entry &a, const Entry &b) { return a.score > b.score; });
  std::vector<State> out;
  for (Entry &e : heap) out.push_back(std::move(e.state));
  return out;
}

std::vector<State> SketchPolicy::next_batch(CostModel &model, int n, int max_picks) {
  auto t0 = std::chrono::steady_clock::now();
  stats_ = RoundStats();
  std::vector<State> picked;
  for (int attempt = 0; attempt <= params_.retry_search_one_round_on_empty && picked.empty();
       ++attempt) {
    std::vector<State> population = sample_init_population(model);
    inject_fastest_measured(population);
    stats_.population = static_cast<int>(population.size());
    const int num_random = static_cast<int>(params_.eps_greedy * n);
    RoundCandidates c;
    // Drawn only when asked, so that Ansor's search alone keeps its random stream.
    const int num_local = measured_states_.empty()
                              ? 0
                              : std::min(n - num_random, static_cast<int>(params_.local_share * n));
    if (num_local > 0) c.local = neighbours_of_bests(model, num_local);
    for (int i = 0; i < num_random * 3 && !population.empty(); ++i)
      c.random.push_back(population[rng_.uniform(population.size())]);
    c.best = evolutionary_search(model, population, 2 * n);
    picked = pick_unmeasured(c, n - num_random, std::min(n, max_picks));
  }
  stats_.search_s = seconds_since(t0);
  return picked;
}

void SketchPolicy::inject_fastest_measured(std::vector<State> &population) const {
  std::vector<size_t> order = fastest_measured();
  int inject = std::min<int>(static_cast<int>(order.size()),
                             static_cast<int>(params_.sample_init_use_measured_ratio *
                                              params_.evolutionary_search_population));
  for (int i = 0; i < inject; ++i) population.push_back(measured_states_[order[i]]);
}

std::vector<State> SketchPolicy::pick_unmeasured(const RoundCandidates &c, int prefer_best,
                                                 int count) {
  std::vector<State> picked;
  for (size_t i = 0; i < c.local.size() && static_cast<int>(picked.size()) < count; ++i)
    if (measured_keys_.insert(c.local[i].key()).second) picked.push_back(c.local[i]);
  size_t ob = 0, orand = 0;
  while (static_cast<int>(picked.size()) < count) {
    bool has_best = ob < c.best.size(), has_random = orand < c.random.size();
    const State *s = nullptr;
    if (static_cast<int>(picked.size()) < prefer_best) {
      s = has_best ? &c.best[ob++] : has_random ? &c.random[orand++] : nullptr;
    } else {
      s = has_random ? &c.random[orand++] : has_best ? &c.best[ob++] : nullptr;
    }
    if (s == nullptr) break;
    if (measured_keys_.insert(s->key()).second) picked.push_back(*s);
  }
  return picked;
}

std::vector<State> SketchPolicy::neighbours_of_bests(CostModel &model, int out_size) {
  std::vector<size_t> parents;
  for (size_t i : fastest_measured())
    if (measured_throughputs_[i] > 0 && parents.size() < kLocalParents) parents.push_back(i);
  std::vector<State> mutants;
  std::set<std::string> seen;
  for (size_t i = 0; !parents.empty() && mutants.size() < kLocalMutants && i < 4 * kLocalMutants;
       ++i) {
    std::optional<State> child =
        mutate(measured_states_[parents[i % parents.size()]], params_.annotation, rng_);
    if (child && !measured_keys_.count(child->key()) && seen.insert(child->key()).second)
      mutants.push_back(std::move(*child));
  }
  std::vector<float> scores = predict(model, mutants);
  std::vector<size_t> order(mutants.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<State> out;
  for (size_t i : order)
    if (scores[i] > kInvalidScore && static_cast<int>(out.size()) < out_size)
      out.push_back(std::move(mutants[i]));
  return out;
}

std::vector<size_t> SketchPolicy::fastest_measured() const {
  std::vector<size_t> order(measured_states_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return measured_throughputs_[a] > measured_throughputs_[b];
  });
  return order;
}

void SketchPolicy::record(const State &state, const MeasureResult &result) {
  measured_keys_.insert(state.key());
  measured_states_.push_back(state);
  measured_throughputs_.push_back(result.ok() ? 1.0 / result.mean_cost() : 0.0);
}

}  // namespace worldtune::search
