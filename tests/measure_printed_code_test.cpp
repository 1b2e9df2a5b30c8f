/// \file The printed Halide C++ is the schedule that runs: compile the printed code of several
/// states with g++ against Halide, build kernels from it, and check them against the reference.
#include <gtest/gtest.h>

#include <fstream>

#include "ir/workload.h"
#include "measure/builder.h"
#include "measure/runner.h"
#include "measure_test_util.h"
#include "schedule/halide_program.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"

namespace worldtune::measure {
namespace {

struct Case {
  std::string key;
  schedule::State state;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  // One random schedule of each sketch of a few workloads: cache write + fusion, rfactor
  // (both variants), padding at a tuned location, softmax's four stages.
  for (const std::string key : {"conv2d_bias_relu_nhwc:N=1,H=10,W=10,CI=8,CO=16,K=3,S=1,P=1",
                                "matmul:M=4,N=4,K=256", "softmax:B=1,M=6,N=64"}) {
    ir::Workload w = ir::parse_workload(key);
    search::SketchParams sp;
    sp.hw.num_cores = 8;  // makes the small matmul take the rfactor sketches
    search::AnnotationParams ap;
    Rng rng(3);
    for (const schedule::State &sketch : search::generate_sketches(schedule::State(w.dag), sp)) {
      auto s = search::sample_states({sketch}, 1, ap, rng);
      if (!s.empty()) out.push_back({key, s[0]});
    }
  }
  return out;
}

TEST(PrintedCode, CompilesAndComputesTheReference) {
  testing::ScratchDir dir;
  std::vector<Case> cs = cases();
  ASSERT_GE(cs.size(), 10u);
  std::ofstream driver(dir.file("driver.cpp"));
  for (size_t i = 0; i < cs.size(); ++i)
    driver << schedule::print_halide_cpp(schedule::lower_to_halide(cs[i].state),
                                         "schedule_" + std::to_string(i), cs[i].key)
           << "\n";
  driver << "#include <cstdlib>\nint main(int argc, char **argv) {\n"
         << "  std::vector<Argument> args;\n  Pipeline p;\n  switch (std::atoi(argv[1])) {\n";
  for (size_t i = 0; i < cs.size(); ++i)
    driver << "    case " << i << ": p = schedule_" << i << "(args); break;\n";
  driver << "  }\n  p.compile_to_object(argv[2], args, \"wt_kernel\",\n"
         << "                      get_host_target().with_feature(Target::NoRuntime));\n"
         << "  return 0;\n}\n";
  driver.close();
  std::string exe = dir.file("driver");
  std::string cmd = "g++ -std=c++17 -O0 -I/usr/include/halide14 -o " + exe + " " +
                    dir.file("driver.cpp") + " -lHalide14 -lpthread -ldl 2> " + dir.file("cc.log");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "the printed code does not compile; see " << cmd;

  MeasureOptions o = testing::fast_options(dir.path());
  LocalRunner runner(o, ensure_runtime("host"));
  LocalBuilder builder(o, dir.path());
  for (size_t i = 0; i < cs.size(); ++i) {
    SCOPED_TRACE(cs[i].key + " " + cs[i].state.key());
    std::string obj = dir.file("k" + std::to_string(i) + ".o");
    std::string so = dir.file("k" + std::to_string(i) + ".so");
    ASSERT_EQ(std::system((exe + " " + std::to_string(i) + " " + obj).c_str()), 0);
    ASSERT_EQ(std::system(("cc -shared -o " + so + " " + obj).c_str()), 0);
    auto dag = ir::parse_workload(cs[i].key).dag;
    std::string ref = dir.file("ref" + std::to_string(i));
    BuildResult naive = builder.build({BuildInput{dag, {}, BuildMethod::Naive, ""}})[0];
    ASSERT_EQ(naive.error, MeasureErrorCode::NoError);
    ASSERT_EQ(runner.write_reference(*dag, naive.so_path, ref, 60), "");
    MeasureResult r = runner.run(*dag, so, ref);
    EXPECT_TRUE(r.ok()) << error_code_name(r.error) << ": " << r.error_msg;
    EXPECT_TRUE(r.checked);
  }
}

}  // namespace
}  // namespace worldtune::measure
