/// \file `worldtune dataset`, `train`, `eval-model` and `models` end to end: a corpus killed with
/// SIGKILL resumes without measuring anything twice, a model trained on it ranks and loads into
/// `tune`, and bad inputs get errors that name them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli_test_util.h"
#include "measure_test_util.h"
#include "worldtune/record.h"

namespace worldtune {
namespace {

using testing::run_cli;

int lines_of(const std::string &path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string l; std::getline(in, l);) n += !l.empty();
  return n;
}

/// Steps of each record, as the key the search dedups on.
std::vector<std::string> step_keys(const std::string &path) {
  std::vector<std::string> out;
  for (const MeasureRecord &r : read_records(path)) out.push_back(r.steps.dump());
  return out;
}

const char *kDatasetArgs =
    " --count 12 --per-round 4 --guided-fraction 0.5 --seed 3 --number 1 --min-repeat-ms 150";

pid_t start_dataset(const std::string &list, const std::string &out) {
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE *f = std::freopen((out + ".log").c_str(), "w", stdout);
    (void)f;
    ::dup2(1, 2);
    std::string cmd = std::string("exec ") + WORLDTUNE_BIN + " dataset --workloads " + list +
                      " --out " + out + kDatasetArgs;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST(CliDataset, ResumeAfterSigkillMeasuresNothingTwice) {
  testing::ScratchDir dir;
  std::string list = dir.file("list.txt");
  std::ofstream(list) << "matmul:M=16,N=16,K=16\n";
  std::string out = dir.file("corpus");
  std::string file = out + "/matmul__M16_N16_K16.jsonl";
  pid_t pid = start_dataset(list, out);
  // Killed in the middle of round 0, with two of its four programs recorded.
  for (int i = 0; i < 1200 && lines_of(file) < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  int at_kill = lines_of(file);
  ASSERT_GE(at_kill, 2);
  ASSERT_NE(at_kill % 4, 0) << "the kill should land inside a round";
  std::vector<std::string> before = step_keys(file);

  auto rest = run_cli("dataset --workloads " + list + " --out " + out + kDatasetArgs);
  ASSERT_EQ(rest.exit_code, 0) << rest.out;
  std::vector<std::string> after = step_keys(file);
  ASSERT_EQ(after.size(), 12u) << rest.out;
  EXPECT_EQ(std::set<std::string>(after.begin(), after.end()).size(), 12u)
      << "a program was measured twice";
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]);  // kept as they were
  EXPECT_NE(rest.out.find("(" + std::to_string(at_kill) + " there already)"), std::string::npos)
      << rest.out;

  // Round 0 is random annotation, a function of the seed alone: the killed-and-resumed round is
  // the one an uninterrupted run measures.
  std::string ref = dir.file("ref");
  ASSERT_EQ(run_cli("dataset --workloads " + list + " --out " + ref + kDatasetArgs).exit_code, 0);
  std::vector<std::string> whole = step_keys(ref + "/matmul__M16_N16_K16.jsonl");
  ASSERT_EQ(whole.size(), 12u);
  EXPECT_EQ(std::set<std::string>(after.begin(), after.begin() + 4),
            std::set<std::string>(whole.begin(), whole.begin() + 4));
  // A packed corpus in the folder is not measured again beside itself.
  std::ofstream(file + ".xz") << "packed";
  auto packed = run_cli("dataset --workloads " + list + " --out " + out + kDatasetArgs);
  EXPECT_EQ(packed.exit_code, 2);
  EXPECT_NE(packed.out.find("a packed corpus"), std::string::npos) << packed.out;
  std::filesystem::remove(file + ".xz");
  // Another seed is another corpus: refused in this folder.
  auto other = run_cli("dataset --workloads " + list + " --out " + out +
                       " --count 16 --per-round 4 --seed 4 --number 1 --min-repeat-ms 150");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.out.find("was made with seed 3, this run has 4"), std::string::npos) << other.out;
}

TEST(CliDataset, AWorkloadWhoseSpaceRunsOutIsNamed) {
  testing::ScratchDir dir;
  std::string list = dir.file("list.txt");
  std::ofstream(list) << "norm:B=1,M=1,N=2\n";  // a handful of distinct schedules at most
  auto r = run_cli("dataset --workloads " + list + " --out " + dir.file("c") +
                   " --count 400 --per-round 8 --number 1 --min-repeat-ms 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::string> keys = step_keys(dir.file("c/norm__B1_M1_N2.jsonl"));
  ASSERT_LT(keys.size(), 400u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
  EXPECT_NE(r.out.find("warning: norm:B=1,M=1,N=2 stopped at " + std::to_string(keys.size()) +
                       " of 400 records"),
            std::string::npos)
      << r.out;
}

TEST(CliDataset, TrainEvalAndTuneWithThePretrainedModel) {
  testing::ScratchDir dir;
  std::string list = dir.file("list.txt");
  std::ofstream(list) << "matmul:M=32,N=32,K=32\nsoftmax:B=2,M=8,N=24\nmatmul:M=8,N=40,K=24\n";
  std::string corpus = dir.file("corpus");
  auto made = run_cli("dataset --workloads " + list + " --out " + corpus +
                      " --count 24 --per-round 8 --number 1 --min-repeat-ms 1");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  EXPECT_NE(made.out.find("records/h"), std::string::npos);
  std::string model = dir.file("xgb.json");
  auto trained = run_cli("train --corpus " + corpus + " --out " + model + " --valid-share 0.3");
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  EXPECT_NE(trained.out.find("48 programs of 2 workloads; 24 programs of 1 held-out"),
            std::string::npos)
      << trained.out;

  auto eval = run_cli("eval-model --model " + model + " --corpus " + corpus);
  ASSERT_EQ(eval.exit_code, 0) << eval.out;
  for (const char *w : {"matmul:M=32,N=32,K=32", "softmax:B=2,M=8,N=24", "mean over workloads"})
    EXPECT_NE(eval.out.find(w), std::string::npos) << eval.out;
  EXPECT_EQ(run_cli("eval-model --model random --corpus " + corpus).exit_code, 0);
  // --scores: every successfully measured record once, each with the model's score.
  std::string scores = dir.file("scores.jsonl");
  ASSERT_EQ(run_cli("eval-model --model " + model + " --corpus " + corpus + " --scores " + scores)
                .exit_code,
            0);
  std::ifstream in(scores);
  int scored = 0;
  std::set<std::string> workloads;
  for (std::string line; std::getline(in, line); ++scored) {
    nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.at("score").is_number()) << line;
    workloads.insert(j.at("workload").get<std::string>());
  }
  EXPECT_EQ(workloads.size(), 3u);
  EXPECT_GT(scored, 48);
  EXPECT_LE(scored, 72);

  // --model-seed: the same seed trains the same weights, another seed other weights.
  std::map<std::string, nlohmann::json> params;  // by file name
  for (const auto &[name, seed] : {std::pair{"a", "1"}, std::pair{"b", "1"}, std::pair{"c", "2"}}) {
    std::string out = dir.file(std::string(name) + ".json");
    auto w = run_cli(
        "train --model world --model-option epochs=1 --model-option threads=1 "
        "--corpus " +
        corpus + " --out " + out + " --valid-share 0.3 --model-seed " + seed);
    ASSERT_EQ(w.exit_code, 0) << w.out;
    params[name] = nlohmann::json::parse(testing::slurp(out)).at("params");
  }
  EXPECT_TRUE(params["a"] == params["b"]);
  EXPECT_FALSE(params["a"] == params["c"]);

  // Weights without a score calibration (an older worldtune) are refused for scoring, by name;
  // `train --init F --model-option epochs=0` refits the calibration and keeps the network.
  nlohmann::json old = nlohmann::json::parse(testing::slurp(dir.file("a.json")));
  ASSERT_GT(old.at("calibration").at("slope").get<double>(), 0);
  old.erase("calibration");
  std::ofstream(dir.file("old.json")) << old.dump();
  auto refused = run_cli("eval-model --model " + dir.file("old.json") + " --corpus " + corpus);
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.out.find(dir.file("old.json") + ": world weights without a score calibration"),
            std::string::npos)
      << refused.out;
  auto refit = run_cli("train --model world --init " + dir.file("old.json") +
                       " --model-option epochs=0 --model-option threads=1 --corpus " + corpus +
                       " --out " + dir.file("refit.json") + " --valid-share 0.3");
  ASSERT_EQ(refit.exit_code, 0) << refit.out;
  nlohmann::json fixed = nlohmann::json::parse(testing::slurp(dir.file("refit.json")));
  EXPECT_GT(fixed.at("calibration").at("slope").get<double>(), 0);
  for (const auto &[name, p] : params["a"].items()) {
    std::vector<double> want = p.at("data"), got = fixed.at("params").at(name).at("data");
    ASSERT_EQ(got.size(), want.size()) << name;
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-6 * (1 + std::fabs(want[i]))) << name << " " << i;
  }
  EXPECT_EQ(
      run_cli("eval-model --model " + dir.file("refit.json") + " --corpus " + corpus).exit_code, 0);
  auto xgb_init =
      run_cli("train --init " + model + " --corpus " + corpus + " --out " + dir.file("x2.json"));
  EXPECT_EQ(xgb_init.exit_code, 2);
  EXPECT_NE(xgb_init.out.find("--init: cost model 'xgb' always trains from scratch"),
            std::string::npos)
      << xgb_init.out;

  auto tuned = run_cli(
      "tune --workload matmul:M=24,N=24,K=24 --trials 8 --per-round 4 "
      "--population 32 --load-model " +
      model + " --records " + dir.file("t.jsonl") + " --number 1 --min-repeat-ms 1");
  ASSERT_EQ(tuned.exit_code, 0) << tuned.out;
  EXPECT_EQ(lines_of(dir.file("t.jsonl")), 8);
}

TEST(CliDataset, BadModelInputsAreNamed) {
  testing::ScratchDir dir;
  std::map<std::string, std::string> cases = {
      {"eval-model --model " + dir.file("none.json") + " --corpus " + dir.path(),
       "is neither a model file nor a cost model name"},
      {"train --corpus " + dir.path() + " --out " + dir.file("m.json"), "holds no records files"},
      {"train --corpus " + dir.file("missing") + " --out " + dir.file("m.json"), "does not exist"},
      {"tune --workload matmul:M=8,N=8,K=8 --records " + dir.file("r.jsonl") +
           " --model-option depth=3",
       "cost model 'xgb' has no option 'depth'; its options: warmup (an integer)"},
      {"tune --workload matmul:M=8,N=8,K=8 --records " + dir.file("r.jsonl") +
           " --model-option warmup=many",
       "option warmup of cost model 'xgb' must be an integer, got 'many'"},
      {"tune --workload matmul:M=8,N=8,K=8 --records " + dir.file("r.jsonl") +
           " --cost-model random --model-option frozen=1",
       "cost model 'random' has no option 'frozen'; it has none"},
  };
  std::ofstream(dir.file("garbage.json")) << "{\"format\": \"worldtune-cost-model-1\", \"model\": "
                                             "\"forest\"}\n";
  cases["eval-model --model " + dir.file("garbage.json") + " --corpus " + dir.path()] =
      "holds a 'forest' model, which this build does not know";
  for (const auto &[args, message] : cases) {
    auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("r.jsonl")));
}

TEST(CliDataset, ModelsAreListedFromTheTable) {
  auto r = run_cli("models");
  ASSERT_EQ(r.exit_code, 0);
  for (const char *s : {"random\n", "xgb\n", "warmup", "frozen", "threads"})
    EXPECT_NE(r.out.find(s), std::string::npos) << r.out;
}

}  // namespace
}  // namespace worldtune
