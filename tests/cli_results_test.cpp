/// \file `worldtune best`, `export`, `baseline` and `plot` end to end, and their errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "cli_test_util.h"
#include "measure_test_util.h"
#include "worldtune/record.h"

namespace worldtune {
namespace {

using testing::CliRun;
using testing::run_cli;

const std::string kKey = "matmul:M=32,N=32,K=32";

TEST(CliResults, BestExportAndBaselineShareARecordsFile) {
  testing::ScratchDir dir;
  std::string rec = dir.file("r.jsonl");
  CliRun r =
      run_cli("measure --workload " + kKey + " --random 2 --min-repeat-ms 1 --records " + rec);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("baseline --workload " + kKey + " --method naive --min-repeat-ms 1 --records " + rec);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("method    naive"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("checked   yes"), std::string::npos) << r.out;
  std::vector<MeasureRecord> records = read_records(rec);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].method, "naive");

  r = run_cli("best --records " + rec);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("workload  " + kKey), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" of 2\n"), std::string::npos) << r.out;  // the baseline is no trial
  EXPECT_NE(r.out.find("baseline  naive"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Pipeline matmul("), std::string::npos) << r.out;

  r = run_cli("plot --records " + rec + " --out " + dir.file("curves.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find(kKey + " "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 curve, 1 peer"), std::string::npos) << r.out;  // the baseline's line
  EXPECT_NE(testing::slurp(dir.file("curves.svg")).find("naive "), std::string::npos);

  r = run_cli("export --records " + rec + " --workload " + kKey + " --out " + dir.file("out") +
              " --name mm");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/mm.a")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/mm_example.cpp")));
}

TEST(CliResults, AnExperimentTunesComparesAndReportsThenOnlyRewritesItsTables) {
  testing::ScratchDir dir;
  {
    std::ofstream(dir.file("exp.json")) << R"({
      "format": "worldtune-experiment-1",
      "workloads": ["matmul:M=16,N=16,K=16"],
      "methods": [{"cost_model": "random"}, {"name": "xgb-early", "cost_model": "xgb",
                   "no_warmup": true}],
      "trials": 4, "peers": ["naive"], "compare_rounds": 2, "compare_passes": 2,
      "reference": "random", "measure": {"min_repeat_ms": 1},
      "claims": [{"claim": "no slower", "method": "xgb-early", "checkpoint": 4,
                  "over": "random", "target": 0.01}]})";
  }
  std::string cmd = "experiment " + dir.file("exp.json") + " --out " + dir.file("out");
  CliRun r = run_cli(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("runs      2: 0 finished before, 2 run now"), std::string::npos) << r.out;
  // The two bests (one kernel when both runs found the same schedule) and the peer.
  EXPECT_NE(r.out.find("compare   matmul:M=16,N=16,K=16 (pass 1 of 2): "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("compare   matmul:M=16,N=16,K=16 (pass 2 of 2): "), std::string::npos)
      << r.out;
  // A figure is the median of the passes (of two: their mean), here the peer's.
  double pass_gflops[2] = {0, 0};
  for (int p = 0; p < 2; ++p) {
    nlohmann::json j = nlohmann::json::parse(testing::slurp(dir.file(
        std::string(p ? "out/compare/pass-2/" : "out/compare/") + "matmul_M_16_N_16_K_16.json")));
    for (const auto &result : j["results"])
      if (result["name"] == "naive")
        pass_gflops[p] = 2.0 * 16 * 16 * 16 / result["cost"].get<double>() / 1e9;
  }
  std::string csv = testing::slurp(dir.file("out/results.csv"));
  const std::string naive_row = "\",naive,1,0,0,0,0,";
  size_t at = csv.find(naive_row);
  ASSERT_NE(at, std::string::npos) << csv;
  EXPECT_NEAR(std::stod(csv.substr(at + naive_row.size())), (pass_gflops[0] + pass_gflops[1]) / 2,
              1e-4 * pass_gflops[0])
      << csv;
  std::string md = testing::slurp(dir.file("out/results.md"));
  EXPECT_NE(md.find("then the median of 2 such comparisons of every workload"), std::string::npos)
      << md;
  // The claim's ratio from the medians, then from each pass alone.
  EXPECT_TRUE(std::regex_search(
      md, std::regex(R"(\| no slower \|  \| 0\.010 \| [0-9.]+ \(xgb-early@4 / random@4\) \| met )"
                     R"(\([+0-9.]+%\) \| [0-9]\.[0-9]{3} / [0-9]\.[0-9]{3} \|)")))
      << md;
  EXPECT_NE(md.find("| workload | random | xgb-early | naive |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `matmul:M=16,N=16,K=16` | "), std::string::npos) << md;
  EXPECT_NE(md.find("## Trials to reach 97.8% of random"), std::string::npos) << md;
  EXPECT_NE(md.find("## Where tuning time goes"), std::string::npos) << md;
  EXPECT_NE(md.find("\n| xgb-early | "), std::string::npos) << md;  // its time split
  EXPECT_EQ(read_records(dir.file("out/runs/xgb-early_s1_matmul_M_16_N_16_K_16.jsonl")).size(), 4u);
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/compare/matmul_M_16_N_16_K_16.json")));
  EXPECT_GT(std::filesystem::file_size(dir.file("out/curves.png")), 0u);
  r = run_cli(cmd);  // finished: nothing is tuned or measured again
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("runs      2: 2 finished before, 0 run now"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("compare   "), std::string::npos) << r.out;
  // A kernel that failed in one pass has no figure, whatever the other passes measured.
  std::string pass2 = dir.file("out/compare/pass-2/matmul_M_16_N_16_K_16.json");
  nlohmann::json saved = nlohmann::json::parse(testing::slurp(pass2));
  for (auto &result : saved["results"])
    if (result["name"] == "naive") result["cost"] = 0.0, result["error"] = "RuntimeError: crashed";
  std::ofstream(pass2) << saved.dump();
  r = run_cli(cmd + " --no-compare");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  md = testing::slurp(dir.file("out/results.md"));
  EXPECT_TRUE(std::regex_search(md, std::regex(R"(\| `matmul:M=16,N=16,K=16` \| [0-9.]+ \| )"
                                               R"([0-9.]+ \| failed \|)")))
      << md;
  csv = testing::slurp(dir.file("out/results.csv"));
  at = csv.find(naive_row);
  ASSERT_NE(at, std::string::npos) << csv;
  EXPECT_EQ(std::stod(csv.substr(at + naive_row.size())), 0.0) << csv;
  EXPECT_NE(csv.find("RuntimeError: crashed"), std::string::npos) << csv;  // its error kept
  // A pass that is missing (and not measured again) is named in its row; the claim needs all.
  std::filesystem::remove(pass2);
  r = run_cli(cmd + " --no-compare");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  md = testing::slurp(dir.file("out/results.md"));
  EXPECT_NE(md.find("| `matmul:M=16,N=16,K=16` (1 of 2 passes) |"), std::string::npos) << md;
  EXPECT_NE(md.find("(a run failed or is missing, or a pass) | not measured | "), std::string::npos)
      << md;
}

TEST(CliResults, BadInputGetsAClearError) {
  testing::ScratchDir dir;
  CliRun r = run_cli("best --records " + dir.file("none.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: io: cannot open records file"), std::string::npos) << r.out;
  r = run_cli("baseline --workload " + kKey + " --method tvm");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: argument: unknown baseline method 'tvm'"), std::string::npos)
      << r.out;
  r = run_cli("baseline --workload softmax --method onednn");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: argument: onednn has no kernel for operator 'softmax'"),
            std::string::npos)
      << r.out;
  r = run_cli("plot --records " + dir.file("none.jsonl") + " --out " + dir.file("p.png"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: io: cannot open records file"), std::string::npos) << r.out;
  r = run_cli("plot --records " + dir.file("none.jsonl") + " --out p.png --size 12");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("error: argument: --size '12': give WIDTHxHEIGHT"), std::string::npos)
      << r.out;
  r = run_cli("export --records " + dir.file("none.jsonl") + " --workload " + kKey);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("--out"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace worldtune
