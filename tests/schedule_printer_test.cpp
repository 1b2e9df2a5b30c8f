/// \file The Halide C++ printer and the lowering it prints.
#include <gtest/gtest.h>

#include "schedule/halide_program.h"
#include "test_dags.h"
#include "worldtune/error.h"

namespace worldtune::schedule {
namespace {

using testing::dag_of;

State tiled_matmul() {
  State s(dag_of("matmul:M=64,N=64,K=64"));
  s.apply(CacheWriteStep{2, "local"});
  s.apply(SplitStep{3, 0, 64, {8}, true});
  s.apply(SplitStep{3, 2, 64, {16}, true});
  s.apply(ReorderStep{3, {0, 2, 1, 3}});
  s.apply(ComputeAtStep{2, 3, 1});
  s.apply(SplitStep{2, 0, 64, {4}, true});
  s.apply(AnnotationStep{3, 3, 2});
  s.apply(AnnotationStep{3, 0, 3});
  s.apply(PragmaStep{2, 0, "auto_unroll_max_step$512"});
  return s;
}

TEST(HalidePrinter, PrintsAlgorithmAndSchedule) {
  std::string code = print_halide_cpp(lower_to_halide(tiled_matmul()), "schedule", "test");
  EXPECT_NE(code.find("ImageParam A(Float(32), 2, \"A\");"), std::string::npos);
  EXPECT_NE(code.find("A.dim(1).set_bounds(0, 64).set_stride(64);"), std::string::npos);
  EXPECT_NE(code.find("Func C_local(\"C_local\");"), std::string::npos);
  EXPECT_NE(code.find("RDom r_C_local({{0, 64}}, \"r_C_local\");"), std::string::npos);
  EXPECT_NE(code.find("C_local(j, i) += (A(r_C_local[0], i)*B(j, r_C_local[0]));"),
            std::string::npos);
  EXPECT_NE(code.find("C(j, i) = C_local(j, i);"), std::string::npos);
  EXPECT_NE(code.find("C.split(i, i_0, i_1, 8);"), std::string::npos);
  EXPECT_NE(code.find("C.reorder(j_1, i_1, j_0, i_0);"), std::string::npos);
  EXPECT_NE(code.find("C.vectorize(j_1);"), std::string::npos);
  EXPECT_NE(code.find("C.parallel(i_0);"), std::string::npos);
  EXPECT_NE(code.find("C_local.compute_at(C, j_0);"), std::string::npos);
  // C_local only produces an 8x16 tile: its split of i by 4 mirrors onto the init definition.
  EXPECT_NE(code.find("C_local.update(0).split(i, i_0, i_1, 4, TailStrategy::GuardWithIf);"),
            std::string::npos);
  EXPECT_NE(code.find("C_local.split(i, i_0, i_1, 4);"), std::string::npos);
  // auto_unroll 512 unrolls from the innermost loop while the product stays within budget:
  // k (64) fits, k x j (64 x 16) does not.
  EXPECT_NE(code.find("C_local.update(0).unroll(r_C_local[0]);"), std::string::npos);
  EXPECT_EQ(code.find("unroll(j)"), std::string::npos);
  EXPECT_NE(code.find("return Pipeline({C});"), std::string::npos);
}

TEST(HalidePrinter, PaddingLoadsAreClampedUnderSelect) {
  State s(dag_of("conv2d_nhwc:N=1,H=8,W=8,CI=4,CO=8,K=3,S=1,P=1"));
  std::string code = print_halide_cpp(lower_to_halide(s), "schedule", "test");
  EXPECT_NE(code.find("clamp((i1 - 1), 0, 7)"), std::string::npos) << code;
  EXPECT_NE(code.find("pad.compute_root();"), std::string::npos);
}

TEST(HalidePrinter, SketchesAreRefused) {
  State s(dag_of("matmul:M=64,N=64,K=64"));
  s.apply(SplitStep{2, 0, 64, {std::nullopt}, true});
  EXPECT_THROW(lower_to_halide(s), UserError);
}

TEST(HalidePrinter, GpuAnnotationsAreRefusedOnCpu) {
  State s(dag_of("matmul:M=64,N=64,K=64"));
  s.apply(AnnotationStep{2, 0, 5});
  EXPECT_THROW(lower_to_halide(s), UserError);
}

TEST(HalidePrinter, IdentifiersAreSanitized) {
  EXPECT_EQ(sanitize_identifier("C.local"), "C_local");
  EXPECT_EQ(sanitize_identifier("i.0@j.0@"), "i_0_j_0");
  EXPECT_EQ(sanitize_identifier("exp"), "exp_");
  EXPECT_EQ(sanitize_identifier("0a"), "v0a");
}

}  // namespace
}  // namespace worldtune::schedule
