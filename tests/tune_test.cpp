/// \file The tuner end to end on small workloads: resume after a kill mid-round gives the run an
/// uninterrupted one gives, records of another target/format/seed are refused, and Ansor's task
/// scheduler shares the budget as its formula says.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cost_model/cost_model_registry.h"
#include "measure_test_util.h"
#include "tune/task_scheduler.h"
#include "tune/tuner.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::tune {
namespace {

TuneOptions small_run(const std::string &records) {
  TuneOptions o;
  o.workloads = {"matmul:M=32,N=32,K=32"};
  o.trials = 24;
  o.measures_per_round = 8;
  o.records = records;
  o.seed = 5;
  o.measure.min_repeat_ms = 1;
  o.search.evolutionary_search_population = 256;
  o.verbose = false;
  return o;
}

/// xgb without the warm-up: from the second round on, the search depends on the model trained on
/// the results, so a resume is only exact when the model is restored exactly too.
TuneReport run(const TuneOptions &o, const std::string &model_name = "xgb") {
  cost_model::CostModelOptions mo;
  mo.random_warmup = false;
  auto model = cost_model::make_cost_model(model_name, mo);
  std::ostringstream out;
  return tune(o, *model, out);
}

std::vector<std::string> keys_of(const std::string &path) {
  std::vector<std::string> keys;
  for (const MeasureRecord &r : read_records(path)) keys.push_back(r.steps.dump());
  return keys;
}

std::vector<std::string> lines_of(const std::string &path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void expect_user_error(const std::function<void()> &fn, const std::string &what) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected: " << what;
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(Tune, ResumeAfterAKillMidRoundEqualsAnUninterruptedRun) {
  testing::ScratchDir dir;
  TuneOptions a = small_run(dir.file("a.jsonl"));
  TuneReport ra = run(a);
  EXPECT_EQ(ra.trials, 24);
  ASSERT_EQ(ra.tasks.size(), 1u);
  EXPECT_EQ(ra.tasks[0].trials, 24);
  std::vector<std::string> full = lines_of(a.records);
  ASSERT_EQ(full.size(), 24u);

  // The kill: 20 complete records (mid third round) and half of the 21st line.
  {
    std::ofstream b(dir.file("b.jsonl"));
    for (int i = 0; i < 20; ++i) b << full[i] << "\n";
    b << full[20].substr(0, full[20].size() / 2);
  }
  TuneOptions b = small_run(dir.file("b.jsonl"));
  b.resume = true;
  TuneReport rb = run(b);
  EXPECT_EQ(rb.trials, 24);
  EXPECT_EQ(rb.restored, 20);
  EXPECT_EQ(keys_of(b.records), keys_of(a.records));  // same states, same order, none twice
  std::vector<std::string> resumed = lines_of(b.records);
  ASSERT_EQ(resumed.size(), 24u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(resumed[i], full[i]);  // nothing recorded was lost
  // The best so far is restored: the resumed run reports the best of all 24 records.
  double best = kFailedCost;
  int64_t best_trial = 0, trial = 0;
  for (const MeasureRecord &r : read_records(b.records)) {
    ++trial;
    if (r.result.ok() && r.result.mean_cost() < best) {
      best = r.result.mean_cost();
      best_trial = trial;
    }
  }
  EXPECT_DOUBLE_EQ(rb.tasks[0].best_cost, best);
  EXPECT_EQ(rb.tasks[0].best_trial, best_trial);

  // Resuming a finished run measures nothing more.
  TuneReport rc = run(b);
  EXPECT_EQ(rc.restored, 24);
  EXPECT_EQ(lines_of(b.records).size(), 24u);

  // A budget of 20 cuts the third round to 4; resumed with 24, the run ends as the 24-trial run
  // did: the cut round picked a prefix of the full one. (Rounds 1-2 come from a's records, so
  // that both runs train the same model.)
  {
    std::ofstream c(dir.file("c.jsonl"));
    for (int i = 0; i < 16; ++i) c << full[i] << "\n";
  }
  std::filesystem::copy_file(a.records + ".run.json", dir.file("c.jsonl.run.json"));
  TuneOptions c = small_run(dir.file("c.jsonl"));
  c.resume = true;
  c.trials = 20;
  EXPECT_EQ(run(c).restored, 16);
  EXPECT_EQ(lines_of(c.records).size(), 20u);
  c.trials = 24;
  EXPECT_EQ(run(c).restored, 20);
  EXPECT_EQ(keys_of(c.records), keys_of(a.records));
}

TEST(Tune, ALargerBudgetOverSeveralWorkloadsResumesWithTheRecordedRoundSize) {
  testing::ScratchDir dir;
  TuneOptions o = small_run(dir.file("two.jsonl"));
  o.workloads = {"matmul:M=32,N=32,K=32", "matmul:M=16,N=32,K=32"};
  o.trials = 8;  // rounds of min(8, 8 / 2) = 4
  run(o);
  o.resume = true;
  o.trials = 16;  // min(8, 16 / 2) = 8 for a fresh run; the resumed one keeps 4
  TuneReport r = run(o);
  EXPECT_EQ(r.restored, 8);
  EXPECT_EQ(lines_of(o.records).size(), 16u);
  o.per_round_given = true;  // --per-round 8: another run than the recorded one
  o.trials = 24;
  expect_user_error([&] { run(o); }, "per_round was 4, now 8");
}

TEST(Tune, RefusesRecordsItCannotContinue) {
  testing::ScratchDir dir;
  TuneOptions o = small_run(dir.file("r.jsonl"));
  o.trials = 8;
  run(o);
  // Same file without --resume.
  expect_user_error([&] { run(o); }, "pass --resume to continue");
  // Another seed, other search settings, another cost model.
  TuneOptions other_seed = o;
  other_seed.resume = true;
  other_seed.seed = 6;
  expect_user_error([&] { run(other_seed); }, "tuned with seed 5; resume with --seed 5");
  TuneOptions other_pop = o;
  other_pop.resume = true;
  other_pop.search.evolutionary_search_population = 512;
  expect_user_error([&] { run(other_pop); }, "population was 256, now 512");
  TuneOptions same = o;
  same.resume = true;
  expect_user_error([&] { run(same, "random"); }, "cost_model was \"xgb\", now \"random\"");
  TuneOptions other_weights = same;  // the model's weights file was replaced meanwhile
  other_weights.model_digest = "fnv1a64:0123456789abcdef";
  expect_user_error([&] { run(other_weights); },
                    "model_digest was \"\", now \"fnv1a64:0123456789abcdef\"");
  // Another target.
  std::string line = lines_of(o.records)[0];
  nlohmann::json j = nlohmann::json::parse(line);
  j["target"] = "arm-64-linux";
  { std::ofstream(dir.file("t.jsonl")) << j.dump() << "\n"; }
  TuneOptions t = small_run(dir.file("t.jsonl"));
  t.resume = true;
  expect_user_error([&] { run(t); }, "holds records for target 'arm-64-linux'");
  // Another format version.
  j = nlohmann::json::parse(line);
  j["v"] = "worldtune-record-0";
  { std::ofstream(dir.file("v.jsonl")) << j.dump() << "\n"; }
  TuneOptions v = small_run(dir.file("v.jsonl"));
  v.resume = true;
  expect_user_error([&] { run(v); }, "worldtune-record-0");
  // Nothing was appended to the refused files.
  EXPECT_EQ(lines_of(dir.file("t.jsonl")).size(), 1u);
  EXPECT_EQ(lines_of(dir.file("v.jsonl")).size(), 1u);
}

TEST(TaskScheduler, WarmUpThenTheTaskWithTheMostToGain) {
  // Two unrelated tasks; after the warm-up, task 1 is slow and still improving, task 0 is not.
  TaskScheduler s({1e9, 1e9}, {"a", "b"}, {}, 1);
  EXPECT_EQ(s.next_task(), 0);
  s.on_round(0, {1e-3}, 4);
  EXPECT_EQ(s.next_task(), 1);
  s.on_round(1, {1e-1}, 4);
  // forward gradient: -(best / rounds) * 0.8: task 1 (0.1 s) beats task 0 (1 ms).
  EXPECT_EQ(s.next_task(), 1);
  s.on_round(1, {5e-2}, 4);
  EXPECT_EQ(s.next_task(), 1);
  EXPECT_EQ(s.trials(), 3);
  EXPECT_NEAR(s.score(), 1e-3 + 5e-2, 1e-12);
}

TEST(TaskScheduler, ATaskANetworkRunsMoreOftenWeighsMore) {
  // Equal tasks and histories; task 1 runs 10 times per network run: it has 10 times the
  // latency to gain, and the objective counts it 10 times.
  TaskScheduler s({1e9, 1e9}, {"a", "b"}, {}, 1, {1, 10});
  for (int t = 0; t < 2; ++t) {
    ASSERT_EQ(s.next_task(), t);
    s.on_round(t, {1e-2}, 4);
  }
  EXPECT_EQ(s.next_task(), 1);
  EXPECT_NEAR(s.score(), 11 * 1e-2, 1e-12);
  TaskScheduler plain({1e9, 1e9}, {"a", "b"}, {}, 1, {10, 1});
  for (int t = 0; t < 2; ++t) {
    ASSERT_EQ(plain.next_task(), t);
    plain.on_round(t, {1e-2}, 4);
  }
  EXPECT_EQ(plain.next_task(), 0);
}

TEST(TaskScheduler, SimilarTasksUseEachOthersSpeed) {
  // Tasks 0 and 1: one operator family, same FLOPs; task 2 unrelated. After two rounds each:
  // alone, task 2 (13 ms) would promise more than task 1 (10 ms): -(best / rounds) * 0.8. But
  // task 0 runs the same FLOPs in 1 ms, so task 1 should reach beta * 1 ms = 2 ms: its expected
  // gain (8 ms) beats task 2's (6.5 ms).
  TaskScheduler s({1e9, 1e9, 1e9}, {"conv", "conv", "dense"}, {}, 1);
  const double best[3] = {1e-3, 1e-2, 1.3e-2};
  for (int t = 0; t < 3; ++t) {
    ASSERT_EQ(s.next_task(), t);  // warm-up
    s.on_round(t, {best[t]}, 4);
  }
  for (int t = 0; t < 3; ++t) s.on_round(t, {best[t]}, 4);
  EXPECT_EQ(s.next_task(), 1);
  TaskScheduler alone({1e9, 1e9, 1e9}, {"conv", "other", "dense"}, {}, 1);
  for (int t = 0; t < 3; ++t) {
    ASSERT_EQ(alone.next_task(), t);
    alone.on_round(t, {best[t]}, 4);
  }
  for (int t = 0; t < 3; ++t) alone.on_round(t, {best[t]}, 4);
  EXPECT_EQ(alone.next_task(), 2);
}

TEST(TaskScheduler, EarlyStoppingEndsTheRunAndKillsStalledTasks) {
  TaskSchedulerParams p;
  p.early_stopping = 8;
  TaskScheduler s({1e9}, {""}, p, 1);
  EXPECT_EQ(s.next_task(), 0);
  s.on_round(0, {1e-3, 2e-3, 3e-3, 4e-3}, 4);
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(s.next_task(), 0);
    s.on_round(0, {5e-3, 5e-3, 5e-3, 5e-3}, 4);
  }
  // 8 trials without a better objective: the run stops (Ansor's early_stopping_all).
  EXPECT_EQ(s.next_task(), -1);
  EXPECT_NE(s.stop_reason().find("no improvement in the last 8 trials"), std::string::npos);

  // Two tasks: task 1 keeps improving the objective, task 0 stalls and dies after > 8 trials.
  p.strategy = "round-robin";
  p.early_stopping = -1;
  p.per_task_early_stopping = 8;
  TaskScheduler t({1e9, 1e9}, {"", ""}, p, 1);
  double c1 = 1e-1;
  for (int r = 0; r < 4; ++r) {
    for (int task = 0; task < 2; ++task) {
      ASSERT_EQ(t.next_task(), task);
      t.on_round(task, {task == 0 ? 1e-3 : (c1 /= 2)}, 4);
    }
  }
  EXPECT_TRUE(t.is_dead(0));  // rounds 2-4 of task 0: 3 x 4 = 12 > 8 trials without gain
  EXPECT_FALSE(t.is_dead(1));
  EXPECT_EQ(t.next_task(), 1);
  // A round that found nothing to measure kills its task.
  TaskScheduler u({1e9}, {""}, {}, 1);
  u.next_task();
  u.on_round(0, {}, 4);
  EXPECT_EQ(u.next_task(), -1);
}

}  // namespace
}  // namespace worldtune::tune
