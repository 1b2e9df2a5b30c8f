/// \file A network end to end through the CLI: tuned (briefly), compiled into a library with its
/// executor, C API and example, run and checked against PyTorch's output; compile refuses
/// records of another model or target, and the library refuses a corrupt weights file.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "measure_test_util.h"
#include "net_test_util.h"

namespace worldtune {
namespace {

using testing::network;
using testing::run_cli;

TEST(CliNetwork, ATunedNetworkCompilesRunsAndMatchesPyTorch) {
  testing::ScratchDir dir;
  const std::string model = network("tiny_cnn"), records = dir.file("r.jsonl");
  auto tuned = run_cli("tune --model " + model +
                       " --trials 6 --per-round 1 --population 32 --generations 1 "
                       "--min-repeat-ms 1 --records " +
                       records);
  ASSERT_EQ(tuned.exit_code, 0) << tuned.out;
  auto c = run_cli("compile --model " + model + " --records " + records + " --out " +
                   dir.file("lib") + " --check-io " + network("tiny_cnn", ".io.json"));
  ASSERT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find(" of 13 tasks ("), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("not tuned: "), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("example   tiny_cnn: "), std::string::npos) << c.out;
  EXPECT_NE(c.out.find(": ok"), std::string::npos) << c.out;
  auto r = run_cli("run-model --dir " + dir.file("lib") + " --runs 5 --threads 1 --check-io " +
                   network("tiny_cnn", ".io.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("of 5 runs (1 threads)"), std::string::npos) << r.out;
  // The header declares the C API the example program uses.
  std::ifstream h(dir.file("lib/tiny_cnn.h"));
  const std::string header((std::istreambuf_iterator<char>(h)), std::istreambuf_iterator<char>());
  for (const char *fn : {"tiny_cnn_load(", "tiny_cnn_set_input(", "tiny_cnn_run(",
                         "tiny_cnn_get_output(", "tiny_cnn_free("})
    EXPECT_NE(header.find(fn), std::string::npos) << fn;

  // A flipped byte in the weights: the library names the file and refuses it.
  {
    std::fstream w(dir.file("lib/tiny_cnn.weights"),
                   std::ios::in | std::ios::out | std::ios::binary);
    w.seekp(100);
    w.put('\x7f');
  }
  r = run_cli("run-model --dir " + dir.file("lib") + " --runs 1");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("tiny_cnn.weights' is corrupt"), std::string::npos) << r.out;

  // Records of another model, and of another target.
  auto other = run_cli("compile --model " + network("tiny_encoder") + " --records " + records +
                       " --out " + dir.file("other"));
  EXPECT_EQ(other.exit_code, 2) << other.out;
  EXPECT_NE(other.out.find("holds no successful record of any of the 8 tasks"), std::string::npos)
      << other.out;
  std::ifstream in(records);
  std::ofstream moved(dir.file("moved.jsonl"));
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    j["target"] = "arm-64-linux";
    moved << j.dump() << "\n";
  }
  moved.close();
  auto arm = run_cli("compile --model " + model + " --records " + dir.file("moved.jsonl") +
                     " --out " + dir.file("arm"));
  EXPECT_EQ(arm.exit_code, 2) << arm.out;
  EXPECT_NE(arm.out.find("was measured for target 'arm-64-linux'"), std::string::npos) << arm.out;
}

}  // namespace
}  // namespace worldtune
