/// \file The Halide translation against the reference interpreter: every operator's naive
/// pipeline, and random schedules of the search space, must compute the interpreter's values.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "halide/halide_backend.h"
#include "ir/interpreter.h"
#include "measure/builder.h"
#include "measure/program_measurer.h"
#include "measure/runner.h"
#include "measure_test_util.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"

namespace worldtune::measure {
namespace {

const std::vector<std::string> kSmallWorkloads = {
    "matmul:M=24,N=40,K=12",
    "batch_matmul:B=2,M=8,N=12,K=6",
    "dense:M=8,N=24,K=16,BIAS=1,RELU=1",
    "conv1d_nlc:N=1,L=17,CI=4,CO=8,K=3,S=2,P=1",
    "conv2d_nhwc:N=1,H=9,W=9,CI=4,CO=8,K=3,S=1,P=1",
    "conv2d_bias_relu_nhwc:N=1,H=8,W=8,CI=3,CO=8,K=3,S=2,P=1",
    "grouped_conv2d_nhwc:N=1,H=8,W=8,CI=8,CO=8,K=3,S=1,P=1,G=4",
    "dilated_conv2d_nhwc:N=1,H=9,W=9,CI=4,CO=4,K=3,S=1,P=2,D=2",
    "depthwise_conv2d_nhwc:N=1,H=10,W=10,C=8,K=3,S=2,P=1",
    "conv2d_transpose_nhwc:N=1,H=4,W=4,CI=4,CO=4,K=4,S=2,P=1",
    "conv3d_ndhwc:N=1,D=4,H=6,W=6,CI=3,CO=4,K=3,S=1,P=1",
    "norm:B=2,M=8,N=12",
    "softmax:B=2,M=3,N=20",
    "layer_norm:M=4,N=24",
    "transpose_batch_matmul:B=1,L=8,H=2,D=4",
    // A network's fused subgraphs: every epilogue stage and activation, groups, pool modes.
    "fused_conv2d:H=8,W=8,CI=4,CO=8,K=3,S=1,P=1,SCALE=1,BIAS=1,RES=1,POST=1",
    "fused_conv2d:H=9,W=9,CI=6,CO=6,K=3,S=2,P=1,G=6,BIAS=1,ACT=2",
    "fused_conv2d:H=9,W=9,CI=4,CO=8,K=3,S=1,P=2,D=2,G=2",
    "fused_conv2d:H=6,W=6,CI=3,CO=8,K=3,S=2,P=1,B=4,BIAS=1,ACT=1",
    "fused_dense:M=6,N=10,K=12,BIAS=1,ACT=4",
    "fused_dense:M=3,N=8,K=12,B=4,BIAS=1,ACT=1",
    "fused_batch_matmul:B=2,M=5,N=6,K=4,ACT=3,RES=2",
    "fused_attention_scores:B=1,L=6,H=2,D=4,SCALE=1",
    "fused_attention_context:B=1,L=6,H=2,D=4",
    "fused_pool2d:N=1,H=9,W=9,C=4,K=3,S=2,P=1,MODE=0",
    "fused_pool2d:N=1,H=6,W=6,C=4,K=3,S=1,P=1,MODE=1,SCALE=1,BIAS=1",
    "fused_global_pool:N=1,H=5,W=5,C=8,BIAS=1",
    "fused_softmax:M=3,N=10,RES=1",
    "fused_layer_norm:M=4,N=24,EPS=5,SCALE=1,BIAS=1",
    "fused_elementwise:D0=1,D1=3,D2=5,D3=4,P0=0,P1=2,P2=3,P3=1,BIAS=1,ACT=1",
    "fused_concat:M=6,C0=3,C1=5,C2=2",
    // Extents with few divisors.
    "matmul:M=37,N=29,K=13",
    "depthwise_conv2d_nhwc:N=1,H=11,W=7,C=5,K=3,S=2,P=1",
};

std::vector<float> read_floats(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> v((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> out(v.size() / 4);
  std::memcpy(out.data(), v.data(), out.size() * 4);
  return out;
}

TEST(HalideTranslation, EveryOperatorMatchesTheInterpreter) {
  testing::ScratchDir dir;
  MeasureOptions o = testing::fast_options(dir.path());
  LocalBuilder builder(o, dir.path());
  LocalRunner runner(o, ensure_runtime("host"));
  std::vector<BuildInput> inputs;
  for (const std::string &key : kSmallWorkloads)
    inputs.push_back({ir::parse_workload(key).dag, {}, BuildMethod::Naive, ""});
  std::vector<BuildResult> built = builder.build(inputs);
  for (size_t i = 0; i < kSmallWorkloads.size(); ++i) {
    SCOPED_TRACE(kSmallWorkloads[i]);
    ASSERT_EQ(built[i].error, MeasureErrorCode::NoError) << built[i].message;
    const ir::ComputeDAG &dag = *inputs[i].dag;
    std::string ref = dir.file("ref" + std::to_string(i));
    ASSERT_EQ(runner.write_reference(dag, built[i].so_path, ref, 60), "");
    std::vector<float> got = read_floats(ref);
    auto bufs = ir::interpret(dag, ir::random_inputs(dag, o.input_seed));
    std::vector<float> want;
    for (int out : dag.outputs()) want.insert(want.end(), bufs[out].begin(), bufs[out].end());
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < want.size(); ++k)
      ASSERT_NEAR(got[k], want[k], 1e-4 * (1 + std::fabs(want[k]))) << "element " << k;
  }
}

TEST(HalideTranslation, RandomSchedulesComputeTheReference) {
  testing::ScratchDir dir;
  for (const std::string &key : kSmallWorkloads) {
    SCOPED_TRACE(key);
    ir::Workload w = ir::parse_workload(key);
    search::SketchParams sp;
    search::AnnotationParams ap;
    Rng rng(11);
    auto sketches = search::generate_sketches(schedule::State(w.dag), sp);
    auto states = search::sample_states(sketches, 6, ap, rng);
    ASSERT_FALSE(states.empty());
    ProgramMeasurer m(w, testing::fast_options(dir.path()), sp.hw, 11, nullptr);
    auto results = m.measure(states);
    for (size_t i = 0; i < results.size(); ++i) {
      EXPECT_TRUE(results[i].ok()) << error_code_name(results[i].error) << ": "
                                   << results[i].error_msg << "\nsteps: " << states[i].key();
      EXPECT_TRUE(!results[i].ok() || results[i].checked);
    }
  }
}

TEST(HalideTranslation, HostTargetUsesOnlyInstructionsOfThisCpu) {
  // Halide 14 calls Zen 4 Sapphire Rapids, whose LLVM cpu has AVX-VNNI; Zen 4 lacks it, and
  // programs using it for index arithmetic died of SIGILL there.
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  while (flags.empty() && std::getline(in, line))
    if (line.rfind("flags", 0) == 0) flags = line + " ";
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
  std::string target = halide_backend::canonical_target_string("host");
  if (target.find("avx512_sapphirerapids") != std::string::npos) {
    EXPECT_NE(flags.find(" avx_vnni "), std::string::npos) << target;
  }
  if (target.find("avx512") != std::string::npos) {
    EXPECT_NE(flags.find(" avx512f "), std::string::npos) << target;
  }
}

TEST(HalideTranslation, UnrolledVectorizedKernelsGetAlignedBuffers) {
  // Regression: unroll + vectorize makes Halide emit aligned vector stores; the runner's buffers
  // were only 16-byte aligned and the kernel crashed with SIGSEGV.
  testing::ScratchDir dir;
  ir::Workload w = ir::parse_workload("matmul:M=256,N=256,K=256");
  std::vector<schedule::Step> steps = schedule::steps_from_json(nlohmann::json::parse(R"([
      ["SP", 2, 0, 256, [8, 2, 8], 1], ["SP", 2, 4, 256, [8, 2, 8], 1], ["SP", 2, 8, 256, [8], 1],
      ["RE", 2, [0, 4, 1, 5, 8, 2, 6, 9, 3, 7]], ["PR", 2, 0, "auto_unroll_max_step$64"],
      ["AN", 2, 9, 2]])"));
  ProgramMeasurer m(w, testing::fast_options(dir.path()), search::HardwareParams{}, 1, nullptr);
  MeasureResult r = m.measure({schedule::State::replay(w.dag, steps)})[0];
  EXPECT_TRUE(r.ok()) << r.error_msg;
  EXPECT_TRUE(r.checked);
}

}  // namespace
}  // namespace worldtune::measure
