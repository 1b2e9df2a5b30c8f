/// \file ComputeDAG facts: consumers, FLOPs, Ansor's access analysis, the reference interpreter.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/interpreter.h"
#include "test_dags.h"

namespace worldtune::ir {
namespace {

using testing::dag_of;

TEST(ComputeDag, MatmulFlopsAndAccess) {
  auto dag = dag_of("matmul:M=64,N=32,K=16");
  EXPECT_DOUBLE_EQ(dag->flop_count(), 2.0 * 64 * 32 * 16);
  int c = dag->find_op("C");
  EXPECT_TRUE(dag->access(c).needs_multi_level_tiling);
  EXPECT_TRUE(dag->access(c).is_output);
  EXPECT_FALSE(dag->access(c).is_strictly_inlineable);
  EXPECT_EQ(dag->consumers(dag->find_op("A")), std::vector<int>{c});
  EXPECT_EQ(dag->outputs(), std::vector<int>{c});
}

TEST(ComputeDag, ConvNeedsTilingPaddingIsNotInlineable) {
  auto dag = dag_of("conv2d_bias_relu_nhwc:N=1,H=8,W=8,CI=4,CO=8,K=3,S=1,P=1");
  EXPECT_TRUE(dag->access(dag->find_op("conv2d")).needs_multi_level_tiling);
  // Padding has a branch: not strictly inlineable; bias_add is.
  EXPECT_FALSE(dag->access(dag->find_op("pad")).is_strictly_inlineable);
  EXPECT_TRUE(dag->access(dag->find_op("bias_add")).is_strictly_inlineable);
  EXPECT_TRUE(dag->access(dag->find_op("relu")).is_output);
  EXPECT_TRUE(dag->elementwise_match(dag->find_op("conv2d"), dag->find_op("relu")));
  EXPECT_FALSE(dag->elementwise_match(dag->find_op("pad"), dag->find_op("conv2d")));
}

TEST(ComputeDag, DepthwiseNeedsTilingThroughOneMissingProducerAndReduction) {
  auto dag = dag_of("depthwise_conv2d_nhwc:N=1,H=8,W=8,C=4,K=3,S=1,P=1");
  EXPECT_TRUE(dag->access(dag->find_op("depthwise")).needs_multi_level_tiling);
}

TEST(ComputeDag, SoftmaxStages) {
  auto dag = dag_of("softmax:B=1,M=4,N=16");
  EXPECT_FALSE(dag->access(dag->find_op("exp")).is_strictly_inlineable);  // exp is expensive
  EXPECT_FALSE(dag->access(dag->find_op("expsum")).needs_multi_level_tiling);
  EXPECT_TRUE(dag->access(dag->find_op("softmax")).is_strictly_inlineable);
}

TEST(ComputeDag, TransposeIsNotStrictlyInlineable) {
  auto dag = dag_of("transpose_batch_matmul:B=1,L=8,H=2,D=4");
  EXPECT_FALSE(dag->access(dag->find_op("query_T")).is_strictly_inlineable);
  EXPECT_TRUE(dag->access(dag->find_op("attention")).needs_multi_level_tiling);
}

TEST(Interpreter, MatmulMatchesHandLoop) {
  auto dag = dag_of("matmul:M=3,N=4,K=5");
  auto bufs = interpret(*dag, random_inputs(*dag, 7));
  const auto &A = bufs[0], &B = bufs[1], &C = bufs[2];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      double acc = 0;
      for (int k = 0; k < 5; ++k) acc += double(A[i * 5 + k]) * B[k * 4 + j];
      EXPECT_NEAR(C[i * 4 + j], acc, 1e-5);
    }
}

TEST(Interpreter, SoftmaxRowsSumToOne) {
  auto dag = dag_of("softmax:B=2,M=3,N=7");
  auto bufs = interpret(*dag, random_inputs(*dag, 1));
  const auto &out = bufs[dag->find_op("softmax")];
  for (int r = 0; r < 6; ++r) {
    double s = 0;
    for (int k = 0; k < 7; ++k) s += out[r * 7 + k];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
}

TEST(Interpreter, PaddingIsZeroOutside) {
  auto dag = dag_of("conv2d_nhwc:N=1,H=3,W=3,CI=1,CO=1,K=3,S=1,P=1");
  auto bufs = interpret(*dag, random_inputs(*dag, 3));
  const auto &pad = bufs[dag->find_op("pad")];
  EXPECT_EQ(pad.size(), 25u);
  EXPECT_EQ(pad[0], 0.f);
  EXPECT_EQ(pad[6], bufs[0][0]);
}

TEST(Interpreter, Conv2dTransposeMatchesScatterDefinition) {
  // out[oh] += X[ih] * W[kh] wherever oh = ih*S + kh - P: the scatter form of the transpose.
  auto dag = dag_of("conv2d_transpose_nhwc:N=1,H=3,W=3,CI=2,CO=2,K=4,S=2,P=1");
  auto bufs = interpret(*dag, random_inputs(*dag, 5));
  const auto &X = bufs[0], &W = bufs[1];
  const auto &out = bufs[dag->find_op("conv2d_transpose")];
  int H = 3, K = 4, S = 2, P = 1, CI = 2, CO = 2, OH = (H - 1) * S - 2 * P + K;
  std::vector<double> ref(OH * OH * CO, 0.0);
  for (int ih = 0; ih < H; ++ih)
    for (int iw = 0; iw < H; ++iw)
      for (int kh = 0; kh < K; ++kh)
        for (int kw = 0; kw < K; ++kw) {
          int oh = ih * S + kh - P, ow = iw * S + kw - P;
          if (oh < 0 || ow < 0 || oh >= OH || ow >= OH) continue;
          for (int ci = 0; ci < CI; ++ci)
            for (int co = 0; co < CO; ++co)
              ref[(oh * OH + ow) * CO + co] +=
                  double(X[(ih * H + iw) * CI + ci]) * W[((kh * K + kw) * CI + ci) * CO + co];
        }
  ASSERT_EQ(out.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(out[i], ref[i], 1e-4);
}

}  // namespace
}  // namespace worldtune::ir
