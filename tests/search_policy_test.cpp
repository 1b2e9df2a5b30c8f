/// \file Mutation rules, the evolutionary search and eps-greedy picking: valid results, never a
/// state twice, and the same choices for the same seed.
#include <gtest/gtest.h>

#include <set>

#include "cost_model/cost_model_registry.h"
#include "schedule/transform_step.h"
#include "search/mutation_rules.h"
#include "search/sketch_policy.h"
#include "test_states.h"

namespace worldtune::search {
namespace {

using schedule::State;

std::shared_ptr<const SearchTask> task_of(const std::string &key) {
  auto t = std::make_shared<SearchTask>();
  t->workload_key = key;
  t->dag = testing::dag_of(key);
  t->hw = host_hardware_params();
  t->flop_count = t->dag->flop_count();
  return t;
}

SearchParams small_params() {
  SearchParams p;
  p.evolutionary_search_population = 128;
  return p;
}

int64_t split_product(const schedule::SplitStep &sp) {
  int64_t p = 1;
  for (const auto &l : sp.lengths) p *= *l;
  return p;
}

TEST(Mutation, TileSizeMovesOneFactorAndKeepsExactSplits) {
  AnnotationParams ap;
  Rng rng(5);
  int changed = 0;
  for (const State &s : testing::random_states("matmul:M=64,N=64,K=64", 30, 2)) {
    auto m = mutate_tile_size(s, ap, rng);
    if (!m) continue;
    ASSERT_EQ(m->steps().size(), s.steps().size());
    int diffs = 0;
    for (size_t i = 0; i < s.steps().size(); ++i) {
      const auto *a = std::get_if<schedule::SplitStep>(&s.steps()[i]);
      const auto *b = std::get_if<schedule::SplitStep>(&m->steps()[i]);
      if (!a) continue;
      ASSERT_TRUE(b);
      EXPECT_EQ(a->extent % split_product(*b), 0);  // still an exact factorization
      EXPECT_LE(*b->lengths.back(), ap.max_innermost_split_factor);
      diffs += a->lengths != b->lengths;
    }
    EXPECT_LE(diffs, 1);
    changed += diffs;
  }
  EXPECT_GT(changed, 20);
}

/// How many iterators each fuse that makes a parallel outermost loop takes, in step order.
std::vector<size_t> parallel_fuse_widths(const State &s) {
  std::vector<size_t> out;
  for (size_t i = 1; i < s.steps().size(); ++i) {
    const auto *an = std::get_if<schedule::AnnotationStep>(&s.steps()[i]);
    const auto *fu = std::get_if<schedule::FuseStep>(&s.steps()[i - 1]);
    if (an && fu && an->iter == 0 &&
        an->annotation == static_cast<int>(schedule::IterAnnotation::Parallel))
      out.push_back(fu->iters.size());
  }
  return out;
}

/// The longest vectorized loop of the state (the annotation rule keeps them short).
int64_t widest_vector(const State &s) {
  int64_t widest = 0;
  for (int id = 0; id < s.num_stages(); ++id)
    for (const auto &it : s.stage(id).iters)
      if (it.annotation == schedule::IterAnnotation::Vectorize)
        widest = std::max(widest, it.extent);
  return widest;
}

TEST(Mutation, EveryRuleGivesValidStates) {
  AnnotationParams ap;
  Rng rng(7);
  int ok[4] = {0, 0, 0, 0};
  for (const char *key :
       {"conv2d_bias_relu_nhwc:N=1,H=14,W=14,CI=16,CO=16,K=3,S=1,P=1", "softmax:B=2,M=16,N=32",
        // A parallel fuse that could swallow the vectorized loop (it once did: the whole
        // image as one vector, a build that never ends).
        "fused_elementwise:D0=1,D1=3,D2=32,D3=32,P0=0,P1=2,P2=3,P3=1"}) {
    for (const State &s : testing::random_states(key, 40, 3)) {
      std::optional<State> r[4] = {mutate_tile_size(s, ap, rng), mutate_auto_unroll(s, ap, rng),
                                   mutate_compute_location(s, ap, rng),
                                   mutate_parallel(s, ap, rng)};
      for (int k = 0; k < 4; ++k) {
        if (!r[k]) continue;
        ++ok[k];
        EXPECT_TRUE(r[k]->is_concrete());
        EXPECT_FALSE(has_nested_parallel(*r[k]));
        if (k == 0 || k == 3) {
          EXPECT_NE(r[k]->key(), s.key());
        }
        if (k == 3) {
          EXPECT_NE(parallel_fuse_widths(*r[k]), parallel_fuse_widths(s));
          EXPECT_LE(widest_vector(*r[k]),
                    std::max<int64_t>(widest_vector(s), ap.max_vectorize_size))
              << r[k]->key();
        }
      }
    }
  }
  for (int k = 0; k < 4; ++k) EXPECT_GT(ok[k], 0) << "rule " << k << " never applied";
}

TEST(SketchPolicy, SameSeedSameBatchesAndNothingTwice) {
  auto task = task_of("matmul:M=64,N=64,K=64");
  cost_model::CostModelOptions mo;
  auto run = [&](uint64_t seed) {
    auto model = cost_model::make_cost_model("random", mo);
    SketchPolicy policy(task, small_params(), seed);
    std::vector<std::string> keys;
    for (int round = 0; round < 3; ++round)
      for (const State &s : policy.next_batch(*model, 16, 16)) keys.push_back(s.key());
    return keys;
  };
  auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a.size(), 48u);
  // A round cut short by the budget picks a prefix of the full round.
  {
    auto model = cost_model::make_cost_model("random", mo);
    SketchPolicy policy(task, small_params(), 1);
    std::vector<State> cut = policy.next_batch(*model, 16, 10);
    ASSERT_EQ(cut.size(), 10u);
    for (size_t i = 0; i < cut.size(); ++i) EXPECT_EQ(cut[i].key(), a[i]);
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), a.size());
}

TEST(SketchPolicy, EvolutionPrefersWhatTheModelScoresHigh) {
  // A model that likes vectorized innermost loops of the output stage: the evolved best states
  // must score higher on average than the initial population.
  struct LikesVectorize : CostModel {
    std::string name() const override { return "test"; }
    void update(const std::vector<MeasuredState> &) override {}
    std::vector<float> predict(const SearchTask &, const std::vector<State> &states) override {
      std::vector<float> out;
      for (const State &s : states) {
        const auto &st = s.stage(s.num_stages() - 1);
        float v = 0;
        for (const auto &it : st.iters)
          if (it.annotation == schedule::IterAnnotation::Vectorize)
            v = static_cast<float>(it.extent);
        out.push_back(v);
      }
      return out;
    }
    void save(const std::string &) const override {}
    void load(const std::string &) override {}
  } model;
  SketchPolicy policy(task_of("matmul:M=64,N=64,K=64"), small_params(), 3);
  auto init = policy.sample_init_population(model);
  auto best = policy.evolutionary_search(model, init, 16);
  ASSERT_EQ(best.size(), 16u);
  auto mean = [&](const std::vector<State> &v) {
    auto s = model.predict(policy.task(), v);
    double t = 0;
    for (float x : s) t += x;
    return t / static_cast<double>(s.size());
  };
  EXPECT_GT(mean(best), mean(init));
  EXPECT_GE(model.predict(policy.task(), {best.front()})[0], 16.0f);
}

/// How many steps of `a` differ from `b`'s (every one when the lists differ in length).
size_t steps_apart(const State &a, const State &b) {
  if (a.steps().size() != b.steps().size()) return a.steps().size() + b.steps().size();
  size_t apart = 0;
  for (size_t i = 0; i < a.steps().size(); ++i)
    apart += schedule::step_to_json(a.steps()[i]) != schedule::step_to_json(b.steps()[i]);
  return apart;
}

TEST(SketchPolicy, ALocalShareSearchesAroundTheFastestMeasured) {
  auto task = task_of("matmul:M=64,N=64,K=64");
  // Round 2 after a first round in which one state alone ran: the picks' distances from it.
  auto second_round = [&](double share) {
    SearchParams p = small_params();
    p.local_share = share;
    auto model = cost_model::make_cost_model("random", {});
    SketchPolicy policy(task, p, 7);
    std::vector<State> first = policy.next_batch(*model, 16, 16);
    for (size_t i = 0; i < first.size(); ++i) {
      MeasureResult r;
      r.costs = {i == 0 ? 1e-3 : kFailedCost};
      r.error = i == 0 ? MeasureErrorCode::NoError : MeasureErrorCode::RuntimeDevice;
      policy.record(first[i], r);
    }
    std::vector<size_t> apart;
    for (const State &s : policy.next_batch(*model, 16, 16))
      apart.push_back(steps_apart(s, first[0]));
    return apart;
  };
  std::vector<size_t> local = second_round(0.5), ansor = second_round(0);
  ASSERT_EQ(local.size(), 16u);
  for (size_t i = 0; i < 8; ++i) EXPECT_LE(local[i], 3u) << i;  // one mutation away
  size_t near = 0;
  for (size_t d : ansor) near += d <= 3;
  EXPECT_LE(near, 4u);                  // Ansor's search alone rarely comes this close
  EXPECT_EQ(second_round(0.5), local);  // deterministic
}

}  // namespace
}  // namespace worldtune::search
