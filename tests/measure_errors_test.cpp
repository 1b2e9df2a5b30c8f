/// \file The runner's and builder's error paths with candidates that really crash, abort, hang,
/// fail at run time and give wrong answers: the tuner survives and records the right codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "measure/buffer_placement.h"
#include "measure/builder.h"
#include "measure/program_measurer.h"
#include "measure/runner.h"
#include "measure_test_util.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::measure {
namespace {

const char *kMatmul = "matmul:M=4,N=4,K=4";

/// The body of a correct hand-written kMatmul candidate (a and b in, o out).
const std::string kCorrectMatmulBody =
    "  const float *a = (const float *)((struct halide_buffer_t *)args[0])->host;\n"
    "  const float *b = (const float *)((struct halide_buffer_t *)args[1])->host;\n"
    "  for (int i = 0; i < 4; ++i) for (int j = 0; j < 4; ++j) {\n"
    "    float s = 0; for (int k = 0; k < 4; ++k) s += a[i*4+k] * b[k*4+j];\n"
    "    o[i*4+j] = s; }\n  return 0;";

/// Compiles a hand-written candidate (C source of wt_kernel_argv) into a shared object.
std::string compile_candidate(const testing::ScratchDir &dir, const std::string &name,
                              const std::string &body) {
  std::string src = dir.file(name + ".c"), so = dir.file(name + ".so");
  std::ofstream(src) << "#include <HalideRuntime.h>\n#include <stdlib.h>\n"
                     << "int wt_kernel_argv(void **args) {\n"
                     << "  struct halide_buffer_t *out = (struct halide_buffer_t *)args[2];\n"
                     << "  float *o = (float *)out->host;\n"
                     << body << "\n}\n";
  std::string cmd = "cc -shared -fPIC -I/usr/include/halide14 -o " + so + " " + src;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return so;
}

class RunnerErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = testing::fast_options(dir_.path());
    options_.run_timeout_s = 2;
    runner_ = std::make_unique<LocalRunner>(options_, ensure_runtime("host"));
    dag_ = ir::parse_workload(kMatmul).dag;
    // The true reference, from the naive Halide pipeline.
    LocalBuilder b(options_, dir_.path());
    BuildResult r = b.build({{dag_, {}, BuildMethod::Naive, ""}})[0];
    ASSERT_EQ(r.error, MeasureErrorCode::NoError) << r.message;
    reference_ = dir_.file("ref.bin");
    ASSERT_EQ(runner_->write_reference(*dag_, r.so_path, reference_, 30), "");
  }
  MeasureResult run(const std::string &name, const std::string &body) {
    return runner_->run(*dag_, compile_candidate(dir_, name, body), reference_);
  }
  testing::ScratchDir dir_;
  MeasureOptions options_;
  std::unique_ptr<LocalRunner> runner_;
  std::shared_ptr<const ir::ComputeDAG> dag_;
  std::string reference_;
};

TEST_F(RunnerErrors, SegfaultIsARuntimeError) {
  MeasureResult r = run("segv", "  *(volatile int *)0 = 1; return 0;");
  EXPECT_EQ(r.error, MeasureErrorCode::RuntimeDevice);
  EXPECT_NE(r.error_msg.find("signal 11"), std::string::npos) << r.error_msg;
  EXPECT_EQ(r.costs, std::vector<double>{kFailedCost});
}

TEST_F(RunnerErrors, AbortIsARuntimeError) {
  MeasureResult r = run("abort", "  abort(); return 0;");
  EXPECT_EQ(r.error, MeasureErrorCode::RuntimeDevice);
  EXPECT_NE(r.error_msg.find("signal 6"), std::string::npos) << r.error_msg;
}

TEST_F(RunnerErrors, HangIsARunTimeout) {
  MeasureResult r = run("hang", "  for (;;) {} return 0;");
  EXPECT_EQ(r.error, MeasureErrorCode::RunTimeout);
  EXPECT_LT(r.run_s, 10.0);
}

TEST_F(RunnerErrors, HalideErrorKeepsItsMessage) {
  MeasureResult r =
      run("herr", "  halide_error(0, \"out of bounds: custom failure\\n\"); return -1;");
  EXPECT_EQ(r.error, MeasureErrorCode::RuntimeDevice);
  EXPECT_NE(r.error_msg.find("custom failure"), std::string::npos) << r.error_msg;
}

TEST_F(RunnerErrors, WrongOutputIsAWrongAnswer) {
  MeasureResult r = run("wrong", "  for (int i = 0; i < 16; ++i) o[i] = 1.0f; return 0;");
  EXPECT_EQ(r.error, MeasureErrorCode::WrongAnswer);
  EXPECT_NE(r.error_msg.find("differs from the reference"), std::string::npos) << r.error_msg;
}

TEST_F(RunnerErrors, MissingEntryPointIsAModuleError) {
  std::string src = dir_.file("empty.c"), so = dir_.file("empty.so");
  std::ofstream(src) << "int unrelated(void) { return 0; }\n";
  ASSERT_EQ(std::system(("cc -shared -fPIC -o " + so + " " + src).c_str()), 0);
  MeasureResult r = runner_->run(*dag_, so, reference_);
  EXPECT_EQ(r.error, MeasureErrorCode::CompileDevice);
}

TEST_F(RunnerErrors, CorrectHandKernelPasses) {
  MeasureResult r = run("right", kCorrectMatmulBody);
  EXPECT_TRUE(r.ok()) << r.error_msg;
  EXPECT_TRUE(r.checked);
  EXPECT_GT(r.costs[0], 0);
  EXPECT_LT(r.costs[0], 1e-2);
}

TEST_F(RunnerErrors, BuffersSitAtFixedDistinctPageOffsets) {
  // Same placement in every process (no 4K aliasing between inputs and the output by chance): a
  // candidate that finds its buffers elsewhere aborts.
  std::string check;
  for (int i = 0; i < 3; ++i)
    check += "  if ((unsigned long)((struct halide_buffer_t *)args[" + std::to_string(i) +
             "])->host % 4096 != " + std::to_string(buffer_page_offset(i)) + ") abort();\n";
  MeasureResult r = run("placed", check + kCorrectMatmulBody);
  EXPECT_TRUE(r.ok()) << r.error_msg;
  std::set<size_t> offsets;
  for (size_t i = 0; i < 32; ++i) {
    PlacedFloats f(1000, i);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data()) % 4096, buffer_page_offset(i));
    EXPECT_EQ(buffer_page_offset(i) % 128, 0u);
    f.data()[999] = 1.0f;  // the whole range is mapped
    offsets.insert(buffer_page_offset(i));
  }
  EXPECT_EQ(offsets.size(), 32u);
}

TEST_F(RunnerErrors, CandidateOutputIsCapturedAndTheTunersBufferIsNotRepeated) {
  // The tuner's stdout goes to a file (fully buffered) and holds unflushed output: a worker forked
  // without exec that exits would flush its copy of that buffer, printing it a second time.
  std::string out_path = dir_.file("stdout.txt");
  std::fflush(stdout);
  int saved = ::dup(1);
  FILE *redirected = std::freopen(out_path.c_str(), "w", stdout);
  ASSERT_NE(redirected, nullptr);
  std::printf("tuner-buffered-output\n");
  MeasureResult r = run("chatty", "  printf(\"candidate says hello\\n\"); exit(7); return 0;");
  std::fflush(stdout);
  ::dup2(saved, 1);
  ::close(saved);
  std::ifstream in(out_path);
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, "tuner-buffered-output\n");
  EXPECT_EQ(r.error, MeasureErrorCode::RuntimeDevice);
  EXPECT_NE(r.error_msg.find("exited with code 7"), std::string::npos) << r.error_msg;
  EXPECT_NE(r.error_msg.find("candidate says hello"), std::string::npos) << r.error_msg;
}

TEST_F(RunnerErrors, OverTheMemoryCapIsARunErrorThatSaysSo) {
  // 3 x 1 GiB of buffers under a 1 GiB cap: the worker fails cleanly, nothing else is touched.
  MeasureOptions o = options_;
  o.memory_cap_gib = 1;
  LocalRunner capped(o, ensure_runtime("host"));
  auto big = ir::parse_workload("matmul:M=16384,N=16384,K=16384").dag;
  std::string so = compile_candidate(dir_, "noop", "  return 0;");
  MeasureResult r = capped.run(*big, so, "");
  EXPECT_EQ(r.error, MeasureErrorCode::RuntimeDevice);
  EXPECT_NE(r.error_msg.find("memory cap of 1.00 GiB"), std::string::npos) << r.error_msg;
}

TEST(BuilderErrors, OverTheMemoryCapIsABuildErrorThatSaysSo) {
  testing::ScratchDir dir;
  MeasureOptions o = testing::fast_options(dir.path());
  // Below what mapping Halide and LLVM takes: the worker cannot start, and says why.
  o.memory_cap_gib = 0.1;
  LocalBuilder builder(o, dir.path());
  auto r = builder.build({{ir::parse_workload(kMatmul).dag, {}, BuildMethod::Naive, ""}});
  EXPECT_EQ(r[0].error, MeasureErrorCode::CompileHost);
  EXPECT_NE(r[0].message.find("memory cap of 0.10 GiB"), std::string::npos) << r[0].message;
}

schedule::State base_state() { return schedule::State(ir::parse_workload(kMatmul).dag); }

TEST(BuilderErrors, CodesForInstantiationCompileAndTimeout) {
  testing::ScratchDir dir;
  MeasureOptions o = testing::fast_options(dir.path());
  auto dag = ir::parse_workload("conv2d_bias_relu_nhwc:N=1,H=8,W=8,CI=4,CO=8,K=3,S=1,P=1").dag;
  schedule::State s(dag);
  int conv = dag->find_op("conv2d");
  // Parallel over a reduction loop: Halide refuses the schedule (instantiation).
  schedule::State par = s;
  par.apply(schedule::AnnotationStep{conv, 4, 3});
  // A 4 GiB intermediate buffer: Halide refuses the allocation when it lowers the pipeline.
  auto huge = ir::parse_workload("matmul:M=32768,N=32768,K=1").dag;
  schedule::State big(huge);
  big.apply(schedule::CacheWriteStep{2, "local"});
  // A step list that does not replay.
  std::vector<schedule::Step> invalid = {schedule::SplitStep{conv, 42, 0, {2}, true}};
  LocalBuilder builder(o, dir.path());
  auto r = builder.build({{dag, par.steps(), BuildMethod::Schedule, ""},
                          {huge, big.steps(), BuildMethod::Schedule, ""},
                          {dag, invalid, BuildMethod::Schedule, ""}});
  EXPECT_EQ(r[0].error, MeasureErrorCode::Instantiation) << r[0].message;
  EXPECT_EQ(r[1].error, MeasureErrorCode::CompileHost) << r[1].message;
  EXPECT_EQ(r[2].error, MeasureErrorCode::Instantiation) << r[2].message;
  EXPECT_NE(r[2].message.find("iterator 42"), std::string::npos);
  o.build_timeout_s = 0.005;  // far below any Halide compile
  LocalBuilder slow(o, dir.path());
  auto t = slow.build({{dag, {}, BuildMethod::Schedule, ""}});
  EXPECT_EQ(t[0].error, MeasureErrorCode::BuildTimeout);
}

TEST(MeasurerRecords, FailuresAreRecordedAndTheTunerGoesOn) {
  testing::ScratchDir dir;
  std::string path = dir.file("records.jsonl");
  auto w = ir::parse_workload(kMatmul);
  schedule::State good = base_state();
  good.apply(schedule::AnnotationStep{2, 1, 2});
  schedule::State bad = base_state();
  bad.apply(schedule::AnnotationStep{2, 2, 3});  // parallel reduction
  {
    RecordWriter writer(path);
    ProgramMeasurer m(w, testing::fast_options(dir.path()), search::HardwareParams{}, 5, &writer);
    auto results = m.measure({good, bad, good});
    EXPECT_TRUE(results[0].ok());
    EXPECT_EQ(results[1].error, MeasureErrorCode::Instantiation);
    EXPECT_TRUE(results[2].ok());
  }
  auto records = read_records(path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].workload, w.key);
  EXPECT_EQ(records[1].result.error, MeasureErrorCode::Instantiation);
  EXPECT_EQ(records[1].result.costs, std::vector<double>{kFailedCost});
  EXPECT_FALSE(records[1].result.error_msg.empty());
  EXPECT_TRUE(records[0].result.checked);
  EXPECT_EQ(records[0].seed, 5u);
  EXPECT_EQ(records[0].steps, schedule::steps_to_json(good.steps()));
}

}  // namespace
}  // namespace worldtune::measure
