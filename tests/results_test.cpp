/// \file The deploy module: finding the best record, exporting it as a library whose example
/// builds and checks itself, and baselines measured (and checked) like tuned schedules.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli_test_util.h"
#include "deploy/baseline.h"
#include "deploy/best_records.h"
#include "deploy/exporter.h"
#include "halide/halide_backend.h"
#include "measure/program_measurer.h"
#include "measure_test_util.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "support/rng.h"
#include "worldtune/error.h"

namespace worldtune::deploy {
namespace {

using measure::BuildMethod;

MeasureRecord record(const std::string &workload, double cost, bool ok,
                     const std::string &method = "") {
  MeasureRecord r;
  r.workload = workload;
  r.target = halide_backend::canonical_target_string("host");
  r.steps = nlohmann::json::array();
  r.result.costs = {ok ? cost : kFailedCost};
  r.result.error = ok ? MeasureErrorCode::NoError : MeasureErrorCode::WrongAnswer;
  r.method = method;
  return r;
}

/// Runs fn and returns the UserError it throws as "<kind>: <message>" ("" when none).
template <typename Fn>
std::string user_error(Fn fn) {
  try {
    fn();
  } catch (const UserError &e) {
    return std::string(error_kind_name(e.kind())) + ": " + e.what();
  }
  return "";
}

void write_records(const std::string &path, const std::vector<MeasureRecord> &records) {
  RecordWriter w(path);
  for (const MeasureRecord &r : records) w.append(r);
}

const std::string kA = "matmul:M=8,N=8,K=8", kB = "matmul:M=16,N=16,K=16";

TEST(BestRecords, PicksTheFastestSuccessAndTheTrialItWasFirstReachedAt) {
  std::vector<WorkloadRecords> s = summarize_records({
      record(kA, 3e-3, true),
      record(kB, 1e-3, false),
      record(kA, 1e-4, false),  // fastest, but failed
      record(kA, 2e-3, true),
      record(kA, 5e-4, true, "onednn"),  // a baseline: neither best nor a trial
      record(kA, 1e-3, true),
      record(kA, 1e-3, true),  // a tie: the earlier trial stays
      record(kB, 1e-3, false),
  });
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].workload, kA);
  EXPECT_EQ(s[0].trials, 5);
  ASSERT_TRUE(s[0].best.has_value());
  EXPECT_DOUBLE_EQ(s[0].best->result.mean_cost(), 1e-3);
  EXPECT_EQ(s[0].best_trial, 4);
  ASSERT_EQ(s[0].baselines.count("onednn"), 1u);
  EXPECT_DOUBLE_EQ(s[0].baselines.at("onednn").result.mean_cost(), 5e-4);
  EXPECT_EQ(s[1].workload, kB);
  EXPECT_EQ(s[1].trials, 2);
  EXPECT_FALSE(s[1].best.has_value());
}

TEST(BestRecords, MethodFieldIsOptionalAndRoundTrips) {
  testing::ScratchDir dir;
  MeasureRecord tuned = record(kA, 1e-3, true), base = record(kA, 1e-3, true, "naive");
  EXPECT_FALSE(record_to_json(tuned).contains("method"));  // older readers see no change
  EXPECT_EQ(record_to_json(base).at("method"), "naive");
  write_records(dir.file("r.jsonl"), {tuned, base});
  std::vector<MeasureRecord> back = read_records(dir.file("r.jsonl"));
  EXPECT_EQ(back[0].method, "");
  EXPECT_EQ(back[1].method, "naive");
  nlohmann::json bad = record_to_json(base);
  bad["method"] = 3;
  EXPECT_EQ(user_error([&] { record_from_json(bad); }), "record: field 'method' must be a string");
}

TEST(BestRecords, ErrorsNameWhatIsWrong) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  EXPECT_EQ(user_error([&] { workload_records(dir.file("missing.jsonl"), kA); }),
            "io: cannot open records file '" + dir.file("missing.jsonl") + "'");
  write_records(path, {record(kA, 1e-3, true)});
  // Keys are canonicalized before they are looked up.
  EXPECT_EQ(workload_records(path, "matmul:N=8,M=8,K=8").trials, 1);
  EXPECT_EQ(user_error([&] { workload_records(path, kB); }),
            "workload: '" + path + "' has no record of workload '" + kB + "' (it has: " + kA + ")");
  EXPECT_NE(user_error([&] { workload_records(path, "nosuchop:M=1"); }).find("workload: "),
            std::string::npos);
}

TEST(Export, RefusesWhatCannotBeExported) {
  testing::ScratchDir dir;
  std::string path = dir.file("r.jsonl");
  MeasureRecord other_target = record(kB, 1e-3, true);
  other_target.target = "arm-64-linux";
  write_records(path, {record(kA, 1e-3, false), record(kA, 1e-3, true, "naive"), other_target});
  ExportOptions o{path, kA, dir.file("out"), "host", ""};
  EXPECT_EQ(user_error([&] { export_best(o); }), "record: none of the 1 records of workload '" +
                                                     kA + "' in '" + path +
                                                     "' succeeded: there is nothing to export");
  o.workload = kB;
  std::string err = user_error([&] { export_best(o); });
  EXPECT_EQ(err.find("target: the best record of '" + kB +
                     "' was measured for target 'arm-64-linux', not for"),
            0u)
      << err;
  EXPECT_NE(err.find("(this host)"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out")));
}

TEST(Export, ExampleBuildsWithTheSystemCompilerAndChecksTheKernel) {
  testing::ScratchDir dir;
  ir::Workload w = ir::parse_workload("matmul:M=32,N=32,K=32");
  search::SketchParams sp;
  sp.hw = search::host_hardware_params();
  search::AnnotationParams ap;
  ap.hw = sp.hw;
  Rng rng(3);
  auto states =
      search::sample_states(search::generate_sketches(schedule::State(w.dag), sp), 2, ap, rng);
  std::string path = dir.file("r.jsonl");
  {
    RecordWriter writer(path);
    measure::ProgramMeasurer m(w, testing::fast_options(dir.path()), sp.hw, 3, &writer);
    m.measure(states);
  }
  std::string out = dir.file("export");
  ExportResult r = export_best({path, w.key, out, "host", ""});
  EXPECT_EQ(r.name, "matmul");
  for (const char *f :
       {"matmul.a", "matmul.h", "matmul.stmt", "matmul_reference.a", "matmul_reference.h",
        "matmul_schedule.cpp", "HalideRuntime.h", "matmul_example.cpp", "build.sh"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
    EXPECT_NE(std::find(r.files.begin(), r.files.end(), out + "/" + f), r.files.end()) << f;
  }
  std::ifstream schedule(out + "/matmul_schedule.cpp");
  std::string text((std::istreambuf_iterator<char>(schedule)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Pipeline matmul("), std::string::npos) << text;
  testing::CliRun build = testing::run_command("sh " + out + "/build.sh");
  ASSERT_EQ(build.exit_code, 0) << build.out;
  testing::CliRun example = testing::run_command(out + "/matmul_example");
  EXPECT_EQ(example.exit_code, 0) << example.out;
  EXPECT_NE(example.out.find("C: max abs error"), std::string::npos) << example.out;
  EXPECT_NE(example.out.find("\nOK\n"), std::string::npos) << example.out;
  // The folder holds files now: writing there again takes force.
  EXPECT_NE(user_error([&] {
              export_best({path, w.key, out, "host", ""});
            }).find("--force"),
            std::string::npos);
  EXPECT_EQ(export_best({path, w.key, out, "host", "", true}).files, r.files);
}

TEST(Baseline, EveryMethodIsMeasuredAndCheckedAgainstTheReference) {
  testing::ScratchDir dir;
  ir::Workload w = ir::parse_workload("matmul:M=64,N=64,K=64");
  std::string path = dir.file("r.jsonl");
  {
    RecordWriter writer(path);
    measure::MeasureOptions o = testing::fast_options(dir.path());
    measure::ProgramMeasurer m(w, o, search::host_hardware_params(), 0, &writer);
    for (BuildMethod method : baseline_methods()) {
      SCOPED_TRACE(measure::build_method_name(method));
      MeasureResult r = m.measure_baseline(baseline_input(w, method));
      EXPECT_TRUE(r.ok()) << error_code_name(r.error) << ": " << r.error_msg;
      EXPECT_TRUE(r.checked);
    }
  }
  std::vector<MeasureRecord> records = read_records(path);
  ASSERT_EQ(records.size(), 4u);
  for (const MeasureRecord &r : records) EXPECT_TRUE(r.steps.empty());
  WorkloadRecords s = summarize_records(records)[0];
  EXPECT_EQ(s.trials, 0);
  EXPECT_FALSE(s.best.has_value());
  for (const char *m : {"naive", "halide-adams2019", "halide-mullapudi2016", "onednn"})
    EXPECT_EQ(s.baselines.count(m), 1u) << m;
}

TEST(Baseline, OneDnnKernelsUseWorldtunesLayouts) {
  // Transposed dense weights, fused bias and relu, padding, stride, groups, dilation: a layout
  // mistake shows as a WrongAnswer against the naive reference.
  testing::ScratchDir dir;
  for (const char *key : {"batch_matmul:B=2,M=16,N=24,K=8", "dense:M=8,N=16,K=32,BIAS=1,RELU=1",
                          "conv2d_bias_relu_nhwc:N=1,H=9,W=9,CI=8,CO=16,K=3,S=2,P=1",
                          "grouped_conv2d_nhwc:N=1,H=8,W=8,CI=8,CO=16,K=3,S=1,P=1,G=4",
                          "dilated_conv2d_nhwc:N=1,H=10,W=10,CI=8,CO=8,K=3,S=1,P=1,D=2",
                          "depthwise_conv2d_nhwc:N=1,H=8,W=8,C=16,K=3,S=1,P=0"}) {
    SCOPED_TRACE(key);
    ir::Workload w = ir::parse_workload(key);
    measure::ProgramMeasurer m(w, testing::fast_options(dir.path()), search::host_hardware_params(),
                               0, nullptr);
    MeasureResult r = m.measure_baseline(baseline_input(w, BuildMethod::OneDnn));
    EXPECT_TRUE(r.ok()) << error_code_name(r.error) << ": " << r.error_msg;
    EXPECT_TRUE(r.checked);
  }
}

TEST(Baseline, UnknownMethodsAndOperatorsAreClearErrors) {
  EXPECT_EQ(parse_baseline_method("onednn"), BuildMethod::OneDnn);
  EXPECT_EQ(user_error([] { parse_baseline_method("tvm"); }),
            "argument: unknown baseline method 'tvm' (methods: naive, halide-adams2019, "
            "halide-mullapudi2016, onednn)");
  std::string err =
      user_error([] { baseline_input(ir::parse_workload("softmax"), BuildMethod::OneDnn); });
  EXPECT_EQ(err.find("argument: onednn has no kernel for operator 'softmax' (it has one for: "
                     "matmul, "),
            0u)
      << err;
}

}  // namespace
}  // namespace worldtune::deploy
