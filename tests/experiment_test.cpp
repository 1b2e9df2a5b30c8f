/// \file `worldtune experiment` below the CLI: the config parser and its refusals, the runs a
/// config expands to, resuming (finished runs never repeated, a larger budget continues a run,
/// a changed config names the runs it invalidates) and the trials-to-reach figure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiment/experiment_config.h"
#include "experiment/experiment_report.h"
#include "experiment/experiment_runner.h"
#include "measure_test_util.h"
#include "support/settings_file.h"
#include "support/strings.h"
#include "tune/tuner.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::experiment {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::vector<std::string> kModels = {"random", "xgb", "world"};

json base_config() {
  return {{"format", "worldtune-experiment-1"},
          {"workloads", {"matmul:M=16,N=16,K=16", "softmax:M=4,N=8,B=1"}},
          {"methods",
           {{{"cost_model", "random"}},
            {{"name", "world-offline"},
             {"cost_model", "world"},
             {"model_options", {{"online", false}}},
             {"trials", 70}}}},
          {"seeds", {1, 2}},
          {"trials", 64},
          {"checkpoints", {32, 64}},
          {"measure", {{"min_repeat_ms", 1}, {"check", "all"}}}};
}

std::string write_config(const testing::ScratchDir &dir, const json &j,
                         const std::string &name = "exp.json") {
  std::ofstream(dir.file(name)) << j.dump(2);
  return dir.file(name);
}

/// The message of the UserError `fn` throws ("" when none).
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

TEST(ExperimentConfig, ReadsMethodsSeedsAndMeasurementAndExpandsToRuns) {
  testing::ScratchDir dir;
  ExperimentConfig c = read_experiment_config(write_config(dir, base_config()), kModels);
  ASSERT_EQ(c.workloads.size(), 2u);
  EXPECT_EQ(c.workloads[1], "softmax:B=1,M=4,N=8");  // canonical
  ASSERT_EQ(c.methods.size(), 2u);
  EXPECT_EQ(c.methods[0].name, "random");  // named after its cost model by default
  EXPECT_EQ(c.methods[1].model_options, std::vector<std::string>{"online=false"});
  EXPECT_EQ(c.checkpoints, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(c.measure_flags, (std::vector<std::string>{"--min-repeat-ms", "1", "--check", "all"}));
  std::vector<RunSpec> runs = plan_runs(c);
  ASSERT_EQ(runs.size(), 8u);  // 2 workloads x 2 methods x 2 seeds
  EXPECT_EQ(runs[3].id, "world-offline_s2_matmul_M_16_N_16_K_16");
  EXPECT_EQ(runs[3].trials, 70);  // the method's own budget
  EXPECT_EQ(runs[0].trials, 64);
  EXPECT_EQ(runs[0].identity(c)["per_round"], 64);  // tune's rounds: a budget under 64 differs
  std::vector<std::string> args = runs[3].tune_args(c, "r.jsonl", true);
  for (const char *expected : {"--model-option", "online=false", "--resume", "--min-repeat-ms"})
    EXPECT_NE(std::find(args.begin(), args.end(), expected), args.end()) << expected;
  json no_checkpoints = base_config();
  no_checkpoints.erase("checkpoints");  // then each method's best after its own budget
  EXPECT_EQ(read_experiment_config(write_config(dir, no_checkpoints), kModels).checkpoints,
            (std::vector<int64_t>{64, 70}));
  json own_seeds = base_config();
  own_seeds["methods"][1]["seeds"] = {5};  // a method's own seeds replace the experiment's
  c = read_experiment_config(write_config(dir, own_seeds), kModels);
  runs = plan_runs(c);
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[2].id, "world-offline_s5_matmul_M_16_N_16_K_16");
  json local = base_config();
  local["methods"][1]["local_share"] = 0.5;  // tune --local-share, part of the run's identity
  c = read_experiment_config(write_config(dir, local), kModels);
  runs = plan_runs(c);
  EXPECT_EQ(runs[2].identity(c)["local_share"], 0.5);
  args = runs[2].tune_args(c, "r.jsonl", false);
  ASSERT_NE(std::find(args.begin(), args.end(), "--local-share"), args.end());
  EXPECT_EQ(*(std::find(args.begin(), args.end(), "--local-share") + 1), "0.5");
  args = runs[0].tune_args(c, "r.jsonl", false);  // Ansor's search: no flag
  EXPECT_EQ(std::find(args.begin(), args.end(), "--local-share"), args.end());
  EXPECT_EQ(std::find(args.begin(), args.end(), "--per-round"), args.end());
  EXPECT_EQ(runs[0].identity(c)["per_round"], 64);
  json rounds = base_config();
  rounds["methods"][1]["per_round"] = 16;  // tune --per-round, part of the run's identity
  c = read_experiment_config(write_config(dir, rounds), kModels);
  runs = plan_runs(c);
  EXPECT_EQ(runs[2].identity(c)["per_round"], 16);
  args = runs[2].tune_args(c, "r.jsonl", false);
  ASSERT_NE(std::find(args.begin(), args.end(), "--per-round"), args.end());
  EXPECT_EQ(*(std::find(args.begin(), args.end(), "--per-round") + 1), "16");
}

TEST(ExperimentConfig, RefusesUnknownKeysAndBadValuesNamingThem) {
  testing::ScratchDir dir;
  auto refused = [&](json j) {
    return error_of([&] { read_experiment_config(write_config(dir, j), kModels); });
  };
  json j = base_config();
  j["sedes"] = {1};
  EXPECT_NE(refused(j).find("unknown key 'sedes' in the top level"), std::string::npos)
      << refused(j);
  j = base_config();
  j["methods"][1]["model_option"] = json::object();
  EXPECT_NE(refused(j).find("unknown key 'model_option' in methods[1]"), std::string::npos)
      << refused(j);
  j = base_config();
  j["measure"]["min_repeat"] = 3;
  EXPECT_NE(refused(j).find("unknown key 'min_repeat' in measure"), std::string::npos);
  j = base_config();
  j["methods"][0]["cost_model"] = "tvm";
  EXPECT_NE(refused(j).find("unknown cost model 'tvm'"), std::string::npos);
  j = base_config();
  j["trials"] = -3;
  EXPECT_NE(refused(j).find("trials must be a positive integer"), std::string::npos);
  j = base_config();
  j["methods"][1]["name"] = "random";
  EXPECT_NE(refused(j).find("two methods are named 'random'"), std::string::npos);
  j = base_config();
  j["peers"] = {"tvm"};
  EXPECT_NE(refused(j).find("tvm"), std::string::npos);
  j = base_config();
  j["reference"] = "xgb";
  EXPECT_NE(refused(j).find("'xgb' is no method's name"), std::string::npos);
  j = base_config();
  j["checkpoints"] = {64, 100};
  EXPECT_NE(refused(j).find("100 is beyond every method's budget (at most 70 trials)"),
            std::string::npos)
      << refused(j);
  j = base_config();
  j["methods"][1]["local_share"] = 2;
  EXPECT_NE(refused(j).find("methods[1].local_share must be a number from 0 to 1"),
            std::string::npos)
      << refused(j);
  j = base_config();
  j["methods"][0]["per_round"] = 0;
  EXPECT_NE(refused(j).find("methods[0].per_round must be a positive integer"), std::string::npos)
      << refused(j);
  j = base_config();
  j["measure"]["threads"] = 1.5;
  EXPECT_NE(refused(j).find("measure.threads must be an integer >= 0, not 1.5"), std::string::npos)
      << refused(j);
  j = base_config();
  j["measure"]["check"] = "sometimes";
  EXPECT_NE(refused(j).find("measure.check must be \"none\", \"best\" or \"all\""),
            std::string::npos)
      << refused(j);
  j = base_config();
  j["claims"] = {{{"claim", "1.5x at 64"},
                  {"method", "world"},
                  {"over", "random"},
                  {"checkpoint", 64},
                  {"target", 1.5}}};
  EXPECT_NE(refused(j).find("claims[0].method: 'world' is no method's name"), std::string::npos)
      << refused(j);
  j["claims"][0].erase("method");
  EXPECT_NE(refused(j).find("claims[0] needs a \"method\""), std::string::npos) << refused(j);
  j["claims"][0]["method"] = "world-offline";
  j["claims"][0]["over_checkpoint"] = 50;
  EXPECT_NE(refused(j).find("claims[0].over_checkpoint: 50 is not a checkpoint"), std::string::npos)
      << refused(j);
  j["claims"][0].erase("over_checkpoint");
  j["claims"][0]["target"] = "1.5x";
  EXPECT_NE(refused(j).find("claims[0].target must be a number > 0"), std::string::npos);
  j = base_config();
  j["notes"] = {1};
  EXPECT_NE(refused(j).find("notes[0] must be a string"), std::string::npos) << refused(j);
  j = base_config();
  j["format"] = "worldtune-experiment-0";
  EXPECT_NE(refused(j).find("\"format\" must be"), std::string::npos);
}

/// A stand-in for `worldtune tune`: appends records up to the asked budget (each faster than the
/// last), so resume logic is tested without measuring.
struct FakeTune {
  std::vector<std::vector<std::string>> calls;
  int operator()(const std::vector<std::string> &args, const std::string &log) {
    calls.push_back(args);
    if (args.front() != "tune") {  // a report's command
      std::ofstream(log, std::ios::app) << "pairwise accuracy 0.75\n";
      return 0;
    }
    auto value = [&](const std::string &flag) {
      return *(std::find(args.begin(), args.end(), flag) + 1);
    };
    std::string records = value("--records");
    size_t have = fs::exists(records) ? read_records(records).size() : 0;
    RecordWriter w(records);
    for (size_t i = have; i < std::stoul(value("--trials")); ++i) {
      MeasureRecord r;
      r.workload = value("--workload");
      r.target = "x86-64-linux";
      r.steps = json::array();
      r.result.costs = {1e-3 / static_cast<double>(i + 1)};
      w.append(r);
    }
    // What tune prints; the second model line is an older tune's, which counted warm-up scores.
    std::ofstream(log, std::ios::app)
        << "summary   " << value("--trials") << " trials (0 restored from the records), 9.6 s\n"
        << "model     1000 states scored, 500 states/s (inputs + model, whole predict calls)\n"
        << "model     8192 states scored, 50283273 states/s (features + prediction)\n";
    return 0;
  }
};

ExperimentOptions options_in(const testing::ScratchDir &dir) {
  ExperimentOptions o;
  o.out_dir = dir.file("out");
  o.compare = false;  // no side-by-side measurement
  return o;
}

TEST(ExperimentRunner, ResumesWithoutRepeatingFinishedRunsAndNamesWhatAChangeInvalidates) {
  testing::ScratchDir dir;
  ExperimentConfig c = read_experiment_config(write_config(dir, base_config()), kModels);
  FakeTune fake;
  std::ostringstream out;
  ExperimentOptions packed = options_in(dir);
  packed.pack = true;
  run_experiment(c, packed, std::ref(fake), out);
  EXPECT_EQ(fake.calls.size(), 8u);
  EXPECT_TRUE(fs::exists(dir.file("out/runs/random_s1_matmul_M_16_N_16_K_16.jsonl.xz")));
  EXPECT_FALSE(fs::exists(dir.file("out/runs/random_s1_matmul_M_16_N_16_K_16.jsonl")));
  EXPECT_TRUE(fs::exists(dir.file("out/results.md")));
  EXPECT_TRUE(fs::exists(dir.file("out/curves.png")));
  EXPECT_NE(out.str().find("## Best after 64 trials"), std::string::npos) << out.str();

  fake.calls.clear();
  run_experiment(c, options_in(dir), std::ref(fake), out);
  EXPECT_TRUE(fake.calls.empty());  // everything was finished, read from the packed records

  json more = base_config();
  more["trials"] = 80;  // a larger budget continues the runs that have it
  c = read_experiment_config(write_config(dir, more), kModels);
  run_experiment(c, options_in(dir), std::ref(fake), out);
  ASSERT_EQ(fake.calls.size(), 4u);  // world-offline's own budget did not change
  EXPECT_NE(std::find(fake.calls[0].begin(), fake.calls[0].end(), "--resume"), fake.calls[0].end());
  EXPECT_EQ(read_records(dir.file("out/runs/random_s1_matmul_M_16_N_16_K_16.jsonl")).size(), 80u);

  json changed = more;
  changed["methods"][1]["model_options"]["online"] = true;
  c = read_experiment_config(write_config(dir, changed), kModels);
  fake.calls.clear();
  std::string error = error_of([&] { run_experiment(c, options_in(dir), std::ref(fake), out); });
  EXPECT_NE(error.find("changes what 4 recorded runs"), std::string::npos) << error;
  EXPECT_NE(error.find("world-offline_s1_matmul_M_16_N_16_K_16: model_options was"),
            std::string::npos)
      << error;
  EXPECT_TRUE(fake.calls.empty());
  std::ostringstream plan;
  print_plan(c, options_in(dir), plan);
  EXPECT_NE(plan.str().find("invalidated  world-offline_s1_matmul_M_16_N_16_K_16 (70 trials): "
                            "model_options was"),
            std::string::npos)
      << plan.str();
  EXPECT_NE(plan.str().find("finished     random_s1_matmul_M_16_N_16_K_16 (80 trials)"),
            std::string::npos)
      << plan.str();
  ExperimentOptions discard = options_in(dir);
  discard.discard_invalidated = true;
  run_experiment(c, discard, std::ref(fake), out);
  EXPECT_EQ(fake.calls.size(), 4u);  // rerun, the old records set aside, not deleted
  EXPECT_TRUE(fs::exists(dir.file("out/invalidated")));
  EXPECT_FALSE(fs::is_empty(dir.file("out/invalidated")));

  // Other weights under the same file name (the CLI sets the digest): another run.
  c.methods[1].model_digest = "fnv1a64:0123456789abcdef";
  std::ostringstream replaced;
  print_plan(c, options_in(dir), replaced);
  EXPECT_NE(replaced.str().find("invalidated  world-offline_s1_matmul_M_16_N_16_K_16 (70 trials): "
                                "model_digest was \"\", now \"fnv1a64:0123456789abcdef\""),
            std::string::npos)
      << replaced.str();
  EXPECT_NE(replaced.str().find("finished     random_s1_matmul_M_16_N_16_K_16"), std::string::npos);
}

TEST(ExperimentRunner, ReportsRunOnceAndTheMarkdownCopyLinksTheImageFromWhereItIs) {
  testing::ScratchDir dir;
  json j = base_config();
  j["reports"] = {{{"title", "Ranking quality"}, {"command", {"eval-model", "--model", "m.json"}}}};
  ExperimentConfig c = read_experiment_config(write_config(dir, j), kModels);
  FakeTune fake;
  std::ostringstream out;
  ExperimentOptions o = options_in(dir);
  fs::create_directories(dir.file("docs"));
  o.markdown = dir.file("docs/results.md");
  run_experiment(c, o, std::ref(fake), out);
  EXPECT_EQ(fake.calls.size(), 9u);  // 8 runs and the report
  std::string md = testing::slurp(o.markdown);
  EXPECT_NE(md.find("## Ranking quality\n\n`eval-model --model m.json`"), std::string::npos) << md;
  EXPECT_NE(md.find("pairwise accuracy 0.75"), std::string::npos) << md;
  EXPECT_NE(md.find("](../out/curves.png)"), std::string::npos) << md;
  EXPECT_NE(testing::slurp(dir.file("out/results.md")).find("](curves.png)"), std::string::npos);
  fake.calls.clear();
  run_experiment(c, o, std::ref(fake), out);
  EXPECT_TRUE(fake.calls.empty());  // the saved output serves
  j["reports"][0]["command"] = {"eval-model", "--model", "other.json"};
  c = read_experiment_config(write_config(dir, j), kModels);
  run_experiment(c, o, std::ref(fake), out);
  EXPECT_EQ(fake.calls.size(), 1u);  // a changed command runs again
  j["reports"][0]["commands"] = j["reports"][0]["command"];
  EXPECT_NE(error_of([&] {
              read_experiment_config(write_config(dir, j), kModels);
            }).find("unknown key 'commands' in reports[0]"),
            std::string::npos);
}

TEST(ExperimentRunner, AdoptsARunTunedElsewhereOnlyWhenItsSettingsAreTheRuns) {
  testing::ScratchDir dir;
  json j = base_config();
  j["workloads"] = {"matmul:M=16,N=16,K=16"};
  // A number option is held as the model parsed it (1.0), the experiment's `1` is still it.
  j["methods"] = {{{"cost_model", "random"}, {"model_options", {{"pessimism", 1}}}}};
  ExperimentConfig c = read_experiment_config(write_config(dir, j), kModels);
  std::vector<RunSpec> runs = plan_runs(c);  // seeds 1 and 2
  fs::create_directories(dir.file("elsewhere"));
  FakeTune fake;
  for (const RunSpec &run : runs) {  // tuned by hand: records and run settings
    std::string records = dir.file("elsewhere/random_s" + std::to_string(run.seed) + ".jsonl");
    fake({"tune", "--workload", run.workload, "--trials", "64", "--records", records}, "/dev/null");
    tune::TuneOptions o;
    o.workloads = {run.workload};
    o.trials = 64;
    o.seed = run.seed == 1 ? 1 : 9;  // the second was another seed: not the run
    o.model_options = {{"pessimism", 1.0}};
    write_json_file(records + ".run.json", tune::run_settings(o, "random", 64));
  }
  fs::rename(dir.file("elsewhere/random_s1.jsonl"),
             dir.file("elsewhere/random_matmul_M_16_N_16_K_16.jsonl"));
  fs::rename(dir.file("elsewhere/random_s1.jsonl.run.json"),
             dir.file("elsewhere/random_matmul_M_16_N_16_K_16.jsonl.run.json"));
  ExperimentOptions o = options_in(dir);
  o.adopt_dirs = {dir.file("elsewhere")};
  std::ostringstream out;
  fake.calls.clear();
  run_experiment(c, o, std::ref(fake), out);
  EXPECT_NE(out.str().find("as random_s1_matmul_M_16_N_16_K_16"), std::string::npos) << out.str();
  // Seed 2 finds the same file, whose settings say seed 1: not taken, tuned afresh.
  EXPECT_NE(out.str().find(": seed is 1 there, 2 in this run"), std::string::npos) << out.str();
  // The adopted run had spent its budget: finished as it is, nothing replayed. Seed 2 is tuned.
  ASSERT_EQ(fake.calls.size(), 1u);
  const std::vector<std::string> &call = fake.calls[0];
  EXPECT_EQ(*(std::find(call.begin(), call.end(), "--seed") + 1), "2");
  EXPECT_EQ(std::find(call.begin(), call.end(), "--resume"), call.end());
  EXPECT_TRUE(fs::exists(dir.file("out/runs/random_s1_matmul_M_16_N_16_K_16.done")));
  EXPECT_TRUE(fs::exists(dir.file("elsewhere/random_matmul_M_16_N_16_K_16.jsonl")));  // copied
  // Packed with xz (as committed) in the second of two folders, it is adopted as it is.
  ASSERT_EQ(std::system(("xz -k " + dir.file("elsewhere/random_matmul_M_16_N_16_K_16.jsonl") +
                         " && mkdir " + dir.file("packed") + " && mv " +
                         dir.file("elsewhere/random_matmul_M_16_N_16_K_16.jsonl.xz") + " " +
                         dir.file("elsewhere/random_matmul_M_16_N_16_K_16.jsonl.run.json") + " " +
                         dir.file("packed/"))
                            .c_str()),
            0);
  o.out_dir = dir.file("out2");
  o.adopt_dirs = {dir.file("nothing-here"), dir.file("packed")};  // the second folder holds it
  fake.calls.clear();
  run_experiment(c, o, std::ref(fake), out);
  EXPECT_TRUE(fs::exists(dir.file("out2/runs/random_s1_matmul_M_16_N_16_K_16.jsonl.xz")));
  EXPECT_TRUE(fs::exists(dir.file("out2/runs/random_s1_matmul_M_16_N_16_K_16.done")));
  EXPECT_EQ(fake.calls.size(), 1u);  // seed 2 only
}

TEST(ExperimentReport, ClaimsAreCheckedAgainstTheRatioOfGeomeansAndSayHowFarShort) {
  testing::ScratchDir dir;
  json j = base_config();
  // FakeTune's best after k trials is k times its first: world-offline@64 / random@32 = 2.
  j["claims"] = {{{"claim", "twice as fast"},
                  {"source", "a paper | table 2"},
                  {"method", "world-offline"},
                  {"checkpoint", 64},
                  {"over", "random"},
                  {"over_checkpoint", 32},
                  {"target", 2.5}},
                 {{"claim", "faster"},
                  {"method", "world-offline"},
                  {"checkpoint", 64},
                  {"over", "random"},
                  {"target", 0.8}}};
  j["notes"] = {"First paragraph.", "Second paragraph."};
  ExperimentConfig c = read_experiment_config(write_config(dir, j), kModels);
  FakeTune fake;
  std::ostringstream out;
  run_experiment(c, options_in(dir), std::ref(fake), out);
  std::string md = testing::slurp(dir.file("out/results.md"));
  EXPECT_NE(
      md.find(
          "| twice as fast | a paper \\| table 2 | 2.500 | 2.000 (world-offline@64 / random@32) | "
          "**short by 20.0%** |"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("| faster |  | 0.800 | 1.000 (world-offline@64 / random@64) | met (+25.0%) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("by `worldtune experiment " + shell_quote(c.path) + " --out " +
                    shell_quote(dir.file("out")) + " --no-compare`"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("## Notes\n\nFirst paragraph.\n\nSecond paragraph.\n"), std::string::npos)
      << md;
  // Only today's throughput lines count: 500 states/s, not the older line's millions.
  EXPECT_NE(md.find("| random | 0.15 | "), std::string::npos) << md;
  EXPECT_NE(md.find("% | 500 |\n| world-offline |"), std::string::npos) << md;
  EXPECT_EQ(shell_quote("docs/results.md"), "docs/results.md");
  EXPECT_EQ(shell_quote("my results's.md"), "'my results'\\''s.md'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(ExperimentReport, TrialsToReachALevelUseTheMedianOverSeedsAndTheGeomeanOverWorkloads) {
  // Two workloads; the first with three seeds.
  std::vector<std::vector<std::vector<double>>> curves = {
      {{1, 2, 4, 4}, {1, 1, 1, 8}, {2, 2, 2, 2}},  // medians per trial: 1, 2, 2, 4
      {{1, 1, 4, 4}}};
  EXPECT_EQ(trials_to_reach(curves, 1.0), 1);  // geomean(1, 1)
  EXPECT_EQ(trials_to_reach(curves, 1.5), 3);  // geomean(2, 1) = 1.41 at 2; (2, 4) = 2.83 at 3
  EXPECT_EQ(trials_to_reach(curves, 4.0), 4);  // geomean(4, 4)
  EXPECT_EQ(trials_to_reach(curves, 4.1), 0);  // never
  // A run that stopped early keeps its best: the workload does not fall back to nothing.
  std::vector<std::vector<std::vector<double>>> stopped = {{{3}}, {{1, 2, 3}}};
  EXPECT_EQ(trials_to_reach(stopped, 3.0), 3);
}

}  // namespace
}  // namespace worldtune::experiment
