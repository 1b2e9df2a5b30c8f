/// \file `worldtune tune` end to end: progress output, SIGKILL then --resume, and clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "cli_test_util.h"
#include "measure_test_util.h"
#include "worldtune/record.h"

namespace worldtune {
namespace {

using testing::run_cli;

const std::string kSmall =
    "tune --workload matmul:M=32,N=32,K=32 --trials 24 --per-round 8 --population 256 "
    "--min-repeat-ms 1 --seed 3 ";

TEST(CliTune, KilledAnywhereThenResumedEndsWithEveryTrialOnce) {
  testing::ScratchDir dir;
  std::string rec = dir.file("r.jsonl");
  // SIGKILL once 10 records are there: mid-run, mid-round, possibly mid-write.
  testing::run_command(std::string(WORLDTUNE_BIN) + " " + kSmall + "--cost-model xgb --records " +
                       rec + " > /dev/null 2>&1 & pid=$!; for i in $(seq 1 1200); do " +
                       "[ \"$(cat " + rec + " 2>/dev/null | wc -l)\" -ge 10 ] && break; " +
                       "sleep 0.05; done; kill -9 $pid; wait $pid");
  size_t before = read_records(rec).size();
  EXPECT_GE(before, 10u);
  EXPECT_LT(before, 24u);
  auto r = run_cli(kSmall + "--cost-model xgb --resume --records " + rec);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("summary   24 trials (" + std::to_string(before) + " restored"),
            std::string::npos)
      << r.out;
  std::vector<MeasureRecord> records = read_records(rec);
  ASSERT_EQ(records.size(), 24u);
  std::set<std::string> keys;
  for (const MeasureRecord &m : records) keys.insert(m.steps.dump());
  EXPECT_EQ(keys.size(), 24u);  // never the same schedule twice
  // Progress: a table per round, markers per candidate, the time split.
  EXPECT_NE(r.out.find("latency(ms)"), std::string::npos);
  EXPECT_NE(r.out.find("GFLOP/s"), std::string::npos);
  EXPECT_NE(r.out.find("time      search"), std::string::npos);
  EXPECT_NE(r.out.find("best      matmul:M=32,N=32,K=32"), std::string::npos);
  // 24 trials stay in xgb's random warm-up: no scoring throughput is claimed for it.
  EXPECT_EQ(r.out.find("states scored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model     scored nothing itself"), std::string::npos) << r.out;
}

TEST(CliTune, AResumeThatLeavesTheRecordedRunSaysSo) {
  testing::ScratchDir dir;
  std::string rec = dir.file("r.jsonl");
  auto r = run_cli(kSmall + "--cost-model random --records " + rec);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // The third record lost: the replay picks that state again and must measure it while 16 of
  // the 23 recorded states are still to come.
  testing::run_command("sed -i 3d " + rec);
  r = run_cli(kSmall + "--cost-model random --resume --records " + rec);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: the resumed search of matmul:M=32,N=32,K=32 left the recorded "
                       "run after trial 0: 16 recorded states"),
            std::string::npos)
      << r.out;
  EXPECT_NE(testing::slurp(rec + ".log").find("left the recorded run"), std::string::npos);
  // An intact resume says nothing of the kind.
  r = run_cli(kSmall + "--cost-model random --resume --records " + rec);
  EXPECT_EQ(r.out.find("left the recorded run"), std::string::npos) << r.out;
}

TEST(CliTune, TwoWorkloadsShareTheBudgetAndTheModelIsSaved) {
  testing::ScratchDir dir;
  auto r = run_cli(
      "tune --workload matmul:M=32,N=32,K=32 --workload softmax:B=2,M=16,N=16 --trials 16 "
      "--per-round 8 --population 128 --min-repeat-ms 1 --no-warmup --save-model " +
      dir.file("m.json") + " --records " + dir.file("r.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("best      matmul:M=32,N=32,K=32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("best      softmax:B=2,M=16,N=16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model     saved to"), std::string::npos) << r.out;
  // Per round min(64, 16 / 2) = 8: one warm-up round each.
  std::set<std::string> workloads;
  for (const MeasureRecord &m : read_records(dir.file("r.jsonl"))) workloads.insert(m.workload);
  EXPECT_EQ(workloads.size(), 2u);
  // The saved model starts another run.
  auto again = run_cli(
      "tune --workload matmul:M=32,N=32,K=32 --trials 8 --population 128 "
      "--min-repeat-ms 1 --load-model " +
      dir.file("m.json") + " --records " + dir.file("r2.jsonl"));
  EXPECT_EQ(again.exit_code, 0) << again.out;
  // Other weights under the same file name are another run: its resume is refused.
  std::ofstream(dir.file("m.json"), std::ios::app) << "\n";
  auto other = run_cli(
      "tune --workload matmul:M=32,N=32,K=32 --trials 16 --population 128 --min-repeat-ms 1 "
      "--resume --load-model " +
      dir.file("m.json") + " --records " + dir.file("r2.jsonl"));
  EXPECT_EQ(other.exit_code, 2) << other.out;
  EXPECT_NE(other.out.find("model_digest was \"fnv1a64:"), std::string::npos) << other.out;
  EXPECT_EQ(read_records(dir.file("r2.jsonl")).size(), 8u);
  auto bad = run_cli(kSmall + "--load-model " + dir.file("nope.json") + " --records " +
                     dir.file("r3.jsonl"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("error: model: cannot open model file"), std::string::npos) << bad.out;
}

// The world model's libtorch threads run in the tuner while exec'd workers build and measure.
TEST(CliTune, ANetworksTasksShareTheBudgetWeightedByTheirUses) {
  testing::ScratchDir dir;
  const std::string model = std::string(WORLDTUNE_TEST_NETWORKS) + "/tiny_encoder.onnx";
  auto r = run_cli("tune --model " + model +
                   " --trials 16 --per-round 2 --population 64 --generations 1 "
                   "--min-repeat-ms 1 --records " +
                   dir.file("r.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(model + ": 8 tasks in 22 calls"), std::string::npos) << r.out;
  // The Q, K and V projections of both layers are one task of weight 6.
  EXPECT_NE(r.out.find("fused_dense:M=8,N=32,K=32,B=16,SCALE=0,BIAS=1,ACT=0,RES=      6 "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  network latency "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("network   "), std::string::npos) << r.out;
  std::set<std::string> workloads;
  for (const MeasureRecord &m : read_records(dir.file("r.jsonl"))) workloads.insert(m.workload);
  EXPECT_EQ(workloads.size(), 8u);
  // The same run resumes.
  auto again = run_cli("tune --model " + model +
                       " --trials 18 --per-round 2 --population 64 --generations 1 "
                       "--min-repeat-ms 1 --resume --records " +
                       dir.file("r.jsonl"));
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("resume: 16 trials restored"), std::string::npos) << again.out;
  auto other = run_cli("tune --model " + model +
                       " --batch 2 --trials 18 --per-round 2 --population 64 --generations 1 "
                       "--min-repeat-ms 1 --resume --records " +
                       dir.file("r.jsonl"));
  // The encoder's exported Reshapes fix batch 1: another batch is refused, naming the node.
  EXPECT_EQ(other.exit_code, 2) << other.out;
  EXPECT_NE(other.out.find("(Reshape): its target shape has 256 elements, its input 512"),
            std::string::npos)
      << other.out;
  auto both =
      run_cli("tune --model " + model + " --workload matmul --records " + dir.file("x.jsonl"));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.out.find("--workload excludes --model"), std::string::npos) << both.out;
}

TEST(CliTune, WorldModelTunesEndToEndWithTheShippedWeights) {
  testing::ScratchDir dir;
  auto r = run_cli(kSmall + "--cost-model world --model-option threads=1 --records " +
                   dir.file("r.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("best      matmul:M=32,N=32,K=32"), std::string::npos) << r.out;
  std::vector<MeasureRecord> records = read_records(dir.file("r.jsonl"));
  ASSERT_EQ(records.size(), 24u);
  int ok = 0;
  for (const MeasureRecord &m : records) ok += m.result.ok() ? 1 : 0;
  EXPECT_EQ(ok, 24);
  EXPECT_NE(r.out.find(" states scored, "), std::string::npos) << r.out;  // the network scored
  {
    std::ofstream(dir.file("w.json"))
        << R"({"format": "worldtune-cost-model-1", "model": "world"})";
  }
  auto bad = run_cli(kSmall + "--cost-model world --load-model " + dir.file("w.json") +
                     " --records " + dir.file("r2.jsonl"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("world weights without a schema"), std::string::npos) << bad.out;
}

TEST(CliTune, CreatesAMissingRecordsFolder) {
  testing::ScratchDir dir;
  std::string rec = dir.file("not/yet/there.jsonl");
  auto r = run_cli(
      "tune --workload matmul:M=8,N=8,K=8 --trials 2 --population 16 "
      "--min-repeat-ms 1 --cost-model random --records " +
      rec);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_records(rec).size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(rec + ".run.json"));
}

TEST(CliTune, ASecondWriterOfTheRecordsIsRefusedNamingTheHolder) {
  testing::ScratchDir dir;
  std::string rec = dir.file("r.jsonl");
  RecordWriter holder(rec);  // this test process holds the file, as a running tuner would
  const std::string pid = "pid " + std::to_string(::getpid());
  for (const char *cmd :
       {"tune --workload matmul:M=8,N=8,K=8 --trials 2 --population 16 --resume --records ",
        "measure --workload matmul:M=8,N=8,K=8 --random 1 --records ",
        "baseline --workload matmul:M=8,N=8,K=8 --method naive --records "}) {
    auto r = run_cli(std::string(cmd) + rec);
    EXPECT_EQ(r.exit_code, 2) << cmd << r.out;
    EXPECT_NE(r.out.find("is being written by another worldtune (" + pid), std::string::npos)
        << cmd << r.out;
  }
  EXPECT_EQ(read_records(rec).size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(rec + ".run.json"));
}

TEST(CliTune, BadInputGetsAClearError) {
  testing::ScratchDir dir;
  auto r = run_cli(kSmall + "--workload matmul:M=0 --records " + dir.file("a.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: workload:"), std::string::npos) << r.out;
  r = run_cli(kSmall + "--cost-model forest --records " + dir.file("a.jsonl"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--cost-model"), std::string::npos) << r.out;
  r = run_cli("tune --workload nope:X=1 --records " + dir.file("a.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
  r = run_cli(kSmall + "--target bogus-os --records " + dir.file("a.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: target:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace worldtune
