/// \file Tuning curves from records and their gnuplot plots: best-so-far values, labels from the
/// run settings, seeds banded into one curve, peers, and PNGs of the size asked for.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "measure_test_util.h"
#include "report/gnuplot_plot.h"
#include "report/tuning_curves.h"
#include "support/settings_file.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::report {
namespace {

// 2 * 64^3 FLOP: a cost of 1 ms is 0.524288 GFLOP/s.
const std::string kMatmul = "matmul:M=64,N=64,K=64";
const std::string kSoftmax = "softmax:B=1,M=4,N=4";
constexpr double kGflopsAt1ms = 2.0 * 64 * 64 * 64 / 1e-3 / 1e9;

MeasureRecord record(const std::string &workload, double cost_ms, bool ok = true,
                     const std::string &method = "") {
  MeasureRecord r;
  r.workload = workload;
  r.target = "x86-64-linux";
  r.steps = nlohmann::json::array();
  r.result.costs = {ok ? cost_ms * 1e-3 : kFailedCost};
  r.result.error = ok ? MeasureErrorCode::NoError : MeasureErrorCode::WrongAnswer;
  r.method = method;
  r.seed = 7;
  return r;
}

/// A records file and, unless `model` is empty, the run settings `tune` writes beside it.
std::string write_run(const testing::ScratchDir &dir, const std::string &name,
                      const std::vector<MeasureRecord> &records, const std::string &model = "",
                      uint64_t seed = 1, const nlohmann::json &options = nlohmann::json::object()) {
  std::string path = dir.file(name);
  {
    RecordWriter w(path);
    for (const MeasureRecord &r : records) w.append(r);
  }
  if (!model.empty())
    write_json_file(path + ".run.json", {{"format", "worldtune-run-1"},
                                         {"cost_model", model},
                                         {"model_file", ""},
                                         {"model_options", options},
                                         {"seed", seed}});
  return path;
}

TEST(TuningCurves, BestSoFarPerWorkloadWithPeersAndFailuresKeepingTheBest) {
  testing::ScratchDir dir;
  std::string path =
      write_run(dir, "a.jsonl",
                {record(kMatmul, 4.0), record(kSoftmax, 1.0, false), record(kMatmul, 1.0, false),
                 record(kMatmul, 2.0), record(kMatmul, 0.5, true, "onednn"), record(kMatmul, 3.0),
                 record(kMatmul, 0.25, true, "onednn")},
                "xgb", 3);
  RunCurves run = read_run_curves(path);
  EXPECT_EQ(run.label.label(), "xgb seed 3");
  ASSERT_EQ(run.workloads.size(), 2u);
  const RunWorkload &m = run.workloads[0];
  EXPECT_EQ(m.workload, kMatmul);
  ASSERT_EQ(m.best.size(), 4u);  // baselines are no trials
  EXPECT_DOUBLE_EQ(m.best[0], kGflopsAt1ms / 4);
  EXPECT_DOUBLE_EQ(m.best[1], kGflopsAt1ms / 4);  // the failure keeps the best
  EXPECT_DOUBLE_EQ(m.best[2], kGflopsAt1ms / 2);
  EXPECT_DOUBLE_EQ(m.best[3], kGflopsAt1ms / 2);
  ASSERT_EQ(m.peers.size(), 1u);
  EXPECT_EQ(m.peers[0].method, "onednn");
  EXPECT_DOUBLE_EQ(m.peers[0].gflops, kGflopsAt1ms * 4);  // the faster measurement
  EXPECT_EQ(run.workloads[1].best, std::vector<double>{0.0});
}

TEST(TuningCurves, LabelsComeFromTheRunSettingsElseTheFileName) {
  testing::ScratchDir dir;
  std::string with =
      write_run(dir, "w.jsonl", {record(kMatmul, 1)}, "world", 2, {{"online", "false"}});
  EXPECT_EQ(read_run_curves(with).label.label(), "world (online=false) seed 2");
  std::string without = write_run(dir, "plain_run.jsonl", {record(kMatmul, 1)});
  EXPECT_EQ(read_run_curves(without).label.label(), "plain_run seed 7");  // the record's seed
  // Packed with xz, a run keeps the label of the settings beside its plain name.
  ASSERT_EQ(std::system(("xz -f '" + with + "'").c_str()), 0);
  EXPECT_EQ(read_run_curves(with + ".xz").label.label(), "world (online=false) seed 2");
}

TEST(TuningCurves, SeedsOfOneMethodBecomeAMedianWithABandUnlessPerFile) {
  testing::ScratchDir dir;
  std::vector<RunCurves> runs = {
      read_run_curves(
          write_run(dir, "x1.jsonl", {record(kMatmul, 4), record(kMatmul, 1)}, "xgb", 1)),
      read_run_curves(write_run(
          dir, "x2.jsonl", {record(kMatmul, 2), record(kMatmul, 2), record(kMatmul, 1)}, "xgb", 2)),
      read_run_curves(
          write_run(dir, "x3.jsonl", {record(kMatmul, 8), record(kMatmul, 8)}, "xgb", 3)),
      read_run_curves(write_run(dir, "w1.jsonl", {record(kMatmul, 1)}, "world", 1))};
  std::vector<Panel> banded = make_panels(runs, true);
  ASSERT_EQ(banded.size(), 1u);
  ASSERT_EQ(banded[0].curves.size(), 2u);
  const Curve &xgb = banded[0].curves[0];
  EXPECT_EQ(xgb.label, "xgb (3 seeds)");
  EXPECT_EQ(xgb.runs, 3);
  ASSERT_EQ(xgb.best.size(), 2u);                   // up to the shortest run
  EXPECT_DOUBLE_EQ(xgb.best[0], kGflopsAt1ms / 4);  // median of 1/4, 1/2, 1/8
  EXPECT_DOUBLE_EQ(xgb.low[0], kGflopsAt1ms / 8);
  EXPECT_DOUBLE_EQ(xgb.high[1], kGflopsAt1ms);
  EXPECT_EQ(banded[0].curves[1].label, "world seed 1");
  EXPECT_TRUE(banded[0].curves[1].low.empty());
  std::vector<Panel> per_file = make_panels(runs, false);
  ASSERT_EQ(per_file[0].curves.size(), 4u);
  EXPECT_EQ(per_file[0].curves[1].label, "xgb seed 2");
  // A second run of seed 1 is no fourth seed: it gets a curve of its own.
  runs.push_back(read_run_curves(write_run(dir, "x1again.jsonl", {record(kMatmul, 1)}, "xgb", 1)));
  std::vector<Panel> again = make_panels(runs, true);
  ASSERT_EQ(again[0].curves.size(), 3u);
  EXPECT_EQ(again[0].curves[0].runs, 3);
  EXPECT_EQ(again[0].curves[2].label, "xgb seed 1");
}

/// Width and height from a PNG's IHDR chunk.
std::pair<int, int> png_size(const std::string &bytes) {
  auto be32 = [&](size_t at) {
    return (static_cast<unsigned char>(bytes[at]) << 24) |
           (static_cast<unsigned char>(bytes[at + 1]) << 16) |
           (static_cast<unsigned char>(bytes[at + 2]) << 8) |
           static_cast<unsigned char>(bytes[at + 3]);
  };
  if (bytes.size() < 24 || bytes.compare(1, 3, "PNG") != 0 || bytes.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  return {be32(16), be32(20)};
}

TEST(GnuplotPlot, WritesAPngOfTheSizeAskedWithOneCurvePerRecordsFile) {
  testing::ScratchDir dir;
  std::vector<RunCurves> runs;
  for (const char *model : {"xgb", "world", "tlp"})
    runs.push_back(
        read_run_curves(write_run(dir, std::string(model) + ".jsonl",
                                  {record(kMatmul, 3), record(kMatmul, 2), record(kSoftmax, 1),
                                   record(kMatmul, 1, true, "onednn")},
                                  model)));
  std::vector<Panel> panels = make_panels(runs, true);
  PlotOptions o{dir.file("curves.png"), 900, 500, "a title", dir.file("data")};
  render_plot(panels, o);
  EXPECT_EQ(png_size(testing::slurp(o.out)), std::make_pair(900, 500));
  // What gnuplot was handed: one data file and one line per records file in each panel.
  for (size_t panel = 0; panel < 2; ++panel)
    for (size_t curve = 0; curve < 3; ++curve)
      EXPECT_TRUE(std::filesystem::exists(dir.file("data/panel" + std::to_string(panel) + "_curve" +
                                                   std::to_string(curve) + ".dat")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("data/panel0_curve3.dat")));
  std::string script = testing::slurp(dir.file("data/plot.gp"));
  size_t lines = 0;
  for (size_t at = script.find("with lines lw 2"); at != std::string::npos;
       at = script.find("with lines lw 2", at + 1))
    ++lines;
  EXPECT_EQ(lines, 6u);                                         // 3 runs x 2 workloads
  EXPECT_NE(script.find("title 'onednn "), std::string::npos);  // the peer's line

  o.out = dir.file("curves.svg");
  o.data_dir.clear();
  render_plot(panels, o);
  EXPECT_NE(testing::slurp(o.out).find("<svg"), std::string::npos);
}

TEST(GnuplotPlot, RefusesOtherFormatsAndSaysHowToGetAMissingGnuplot) {
  testing::ScratchDir dir;
  std::vector<Panel> panels =
      make_panels({read_run_curves(write_run(dir, "a.jsonl", {record(kMatmul, 1)}, "xgb"))}, true);
  PlotOptions o{dir.file("x.jpg"), 0, 0, "", dir.file("d")};
  std::filesystem::create_directories(o.data_dir);
  try {
    write_plot_files(panels, o, o.data_dir);
    ADD_FAILURE() << "a .jpg output was accepted";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find(".png or .svg"), std::string::npos) << e.what();
  }
  std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  const char *given = std::getenv("WORLDTUNE_GNUPLOT");
  std::string old_given = given ? given : "";
  ::unsetenv("WORLDTUNE_GNUPLOT");
  ::setenv("PATH", dir.path().c_str(), 1);
  std::string error;
  try {
    find_gnuplot();
  } catch (const UserError &e) {
    error = e.what();
  }
  ::setenv("PATH", old_path.c_str(), 1);
  if (given) ::setenv("WORLDTUNE_GNUPLOT", old_given.c_str(), 1);
  EXPECT_NE(error.find("gnuplot was not found"), std::string::npos) << error;
  EXPECT_NE(error.find("apt-get install gnuplot-nox"), std::string::npos) << error;
}

}  // namespace
}  // namespace worldtune::report
