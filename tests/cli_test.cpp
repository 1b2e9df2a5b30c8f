/// \file The worldtune binary end to end: listing, show, inspect, measure, and clear errors for bad
/// input.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "cli_test_util.h"
#include "measure_test_util.h"
#include "worldtune/record.h"

namespace worldtune {
namespace {

using testing::CliRun;

CliRun run(const std::string &args) { return testing::run_cli(args); }

TEST(Cli, WorkloadsListsTheLibrary) {
  CliRun r = run("workloads");
  EXPECT_EQ(r.exit_code, 0);
  for (const char *op : {"matmul", "batch_matmul", "dense", "conv1d_nlc", "conv2d_nhwc",
                         "conv2d_bias_relu_nhwc", "grouped_conv2d_nhwc", "dilated_conv2d_nhwc",
                         "depthwise_conv2d_nhwc", "conv2d_transpose_nhwc", "conv3d_ndhwc", "norm",
                         "softmax", "layer_norm", "transpose_batch_matmul"})
    EXPECT_NE(("\n" + r.out).find(std::string("\n") + op + "\n"), std::string::npos) << op;
}

TEST(Cli, ShowPrintsDagSketchesAndHalide) {
  CliRun r = run("show --workload matmul:M=64,N=64,K=64");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("C[i:64, j:64] = sum(k:64, (A[i, k]*B[k, j]))"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Sketches: 3"), std::string::npos);
  EXPECT_NE(r.out.find("return Pipeline({C});"), std::string::npos);
}

TEST(Cli, MeasureAppendsOneRecordPerSchedule) {
  testing::ScratchDir dir;
  std::string rec = dir.file("r.jsonl");
  CliRun r =
      run("measure --workload matmul:M=32,N=32,K=32 --random 3 --min-repeat-ms 1 --records " + rec);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("summary   3/3 succeeded"), std::string::npos) << r.out;
  auto records = read_records(rec);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].workload, "matmul:M=32,N=32,K=32");
  // A second run appends; nothing recorded before is lost.
  run("measure --workload matmul:M=32,N=32,K=32 --random 2 --seed 9 --min-repeat-ms 1 --records " +
      rec);
  EXPECT_EQ(read_records(rec).size(), 5u);
}

TEST(Cli, InspectPrintsTheImportedNetworkOrNamesWhatItRefuses) {
  const std::string nets = WORLDTUNE_TEST_NETWORKS;
  CliRun r = run("inspect --model " + nets + "/tiny_cnn.onnx --batch 2 --nodes");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("inputs    input float32[2,3,16,16]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outputs   output float32[2,10]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nodes     22: Add 2, AveragePool 2,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/stem/stem.0/Conv"), std::string::npos) << r.out;
  r = run("inspect --model " + nets + "/test_tan.onnx");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: network: " + nets +
                       "/test_tan.onnx: node '/Tan' (Tan): operator 'Tan' is not supported"),
            std::string::npos)
      << r.out;
  r = run("inspect --model " + nets + "/no_such.onnx");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: io: cannot open network file"), std::string::npos) << r.out;
}

TEST(Cli, BadInputGetsAClearError) {
  CliRun r = run("show --workload matmul:M=0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: workload: field 'M'"), std::string::npos) << r.out;
  r = run("measure --workload nosuchop --random 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("unknown operator 'nosuchop'"), std::string::npos) << r.out;
  r = run("measure --workload matmul:M=8,N=8,K=8 --random 1 --target not-a-target");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: target: 'not-a-target'"), std::string::npos) << r.out;
  r = run("measure --workload matmul:M=8,N=8,K=8 --random 1 --check bogus");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--check"), std::string::npos) << r.out;
}

TEST(Cli, AWorkerThatCannotStartIsASetupErrorNotACandidateFailure) {
  testing::ScratchDir dir;
  for (const char *w : {"worldtune-build-worker", "worldtune-run-worker"}) {
    std::ofstream(dir.file(w)) << "not an executable format\n";
    ASSERT_EQ(::chmod(dir.file(w).c_str(), 0755), 0);
  }
  std::string rec = dir.file("r.jsonl");
  CliRun r =
      testing::run_command("WORLDTUNE_WORKER_DIR=" + dir.path() + " " + WORLDTUNE_BIN +
                           " measure --workload matmul:M=8,N=8,K=8 --random 2 --records " + rec);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("error: io: cannot start the measurement worker"), std::string::npos)
      << r.out;
  EXPECT_TRUE(read_records(rec).empty());  // nothing recorded as if the candidates had failed
}

}  // namespace
}  // namespace worldtune
