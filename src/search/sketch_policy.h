/// \file Ansor's SketchPolicy for one task (ansor-on-halide.md §4): each round samples an initial
/// population from the sketches, adds the best measured states, evolves it under the cost model,
/// and picks the states to measure with eps-greedy, never one already measured.
/// Deterministic for a seed and the same measured results.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "search/annotation_rules.h"
#include "search/cost_model.h"
#include "search/sketch_rules.h"
#include "support/rng.h"

namespace worldtune::search {

struct SearchParams {
  double eps_greedy = 0.05;
  int sample_init_min_population = 50;
  double sample_init_use_measured_ratio = 0.2;
  int evolutionary_search_population = 2048;
  int evolutionary_search_num_iters = 4;
  double evolutionary_search_mutation_prob = 0.85;
  int retry_search_one_round_on_empty = 1;
  /// Not Ansor's: in every round after the first, this share of the picks (before eps-greedy's)
  /// are the model's best one-mutation neighbours of the fastest measured states, so that a
  /// model that does not learn from the run (a pretrained one held fixed) still searches around
  /// what measured fast. 0: Ansor's search alone.
  double local_share = 0;
  SketchParams sketch;
  AnnotationParams annotation;
};

/// Counters of the last round, for progress and benchmarks.
struct RoundStats {
  int population = 0;    ///< initial population size (sampled + injected measured)
  int predicted = 0;     ///< states handed to the cost model
  double predict_s = 0;  ///< seconds inside CostModel::predict
  int scored = 0;        ///< of `predicted`, those the model really scored (CostModel::scores_now)
  double scored_s = 0;   ///< of `predict_s`, the seconds of those calls
  double search_s = 0;   ///< whole round (sampling, evolution, picking)
};

/// What one round picks from (SketchPolicy::next_batch).
struct RoundCandidates {
  std::vector<schedule::State> local;   ///< neighbours of the fastest measured, best scored first
  std::vector<schedule::State> best;    ///< the evolutionary search's, best scored first
  std::vector<schedule::State> random;  ///< eps-greedy's random states of the population
};

class SketchPolicy {
 public:
  SketchPolicy(std::shared_ptr<const SearchTask> task, SearchParams params, uint64_t seed);

  const SearchTask &task() const { return *task_; }

  /// Up to min(round_size, max_picks) new states to measure (they join the measured set now).
  /// The search itself depends only on round_size, so a round cut short by the trial budget
  /// picks a prefix of what the full round would have picked (resume with a larger budget stays
  /// exact).
  std::vector<schedule::State> next_batch(CostModel &model, int round_size, int max_picks);
  /// Tells the policy how the states of the last batch (or restored records) performed.
  void record(const schedule::State &state, const MeasureResult &result);

  /// The evolutionary search: up to out_size best states not measured yet, best first.
  std::vector<schedule::State> evolutionary_search(CostModel &model,
                                                   std::vector<schedule::State> population,
                                                   int out_size);
  /// Random valid states from the sketches (Ansor's SampleInitPopulation).
  std::vector<schedule::State> sample_init_population(CostModel &model);
  /// Up to out_size states one mutation away from the fastest measured ones, not measured yet,
  /// best scored first (SearchParams::local_share).
  std::vector<schedule::State> neighbours_of_bests(CostModel &model, int out_size);

  const RoundStats &last_round() const { return stats_; }

 private:
  std::vector<float> predict(CostModel &model, const std::vector<schedule::State> &states);
  /// Indices of the measured states, fastest first (failures last, in measured order).
  std::vector<size_t> fastest_measured() const;
  /// Ansor's injection of the fastest measured states into the initial population.
  void inject_fastest_measured(std::vector<schedule::State> &population) const;
  /// Up to `count` states not measured yet (they join the measured set): the local neighbours
  /// first, then up to `prefer_best` in all preferring the search's best, the rest preferring
  /// the random states.
  std::vector<schedule::State> pick_unmeasured(const RoundCandidates &c, int prefer_best,
                                               int count);

  std::shared_ptr<const SearchTask> task_;
  SearchParams params_;
  Rng rng_;
  std::vector<schedule::State> sketches_;
  std::set<std::string> measured_keys_;
  std::vector<schedule::State> measured_states_;
  std::vector<double> measured_throughputs_;
  RoundStats stats_;
};

}  // namespace worldtune::search
