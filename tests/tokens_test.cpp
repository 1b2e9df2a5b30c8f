/// \file The torch-free inputs of the sequence cost models: program rows, step tokens (with slots
/// that survive inserted stages), action summary and hardware vector.
#include <gtest/gtest.h>

#include <numeric>

#include "test_states.h"
#include "tokens/head_inputs.h"
#include "tokens/program_rows.h"
#include "tokens/step_tokens.h"
#include "worldtune/error.h"

namespace worldtune::tokens {
namespace {

using namespace schedule;

float kind_sum(const TokenSequence &s, int t) {
  const float *k = s.tokens.data() + t * kTokenWidth + kKindAt;
  return std::accumulate(k, k + kNumStepKinds, 0.0f);
}

TEST(ProgramRows, MatmulRowsByHand) {
  auto dag = testing::dag_of("matmul:M=4,N=8,K=16");  // A, B placeholders; C = sum_k A*B
  ProgramRows p = encode_program(*dag);
  ASSERT_EQ(p.num_stages, 3);
  ASSERT_EQ(p.rows.size(), 3u * kProgramRowWidth);
  const float *c = p.rows.data() + 2 * kProgramRowWidth;
  EXPECT_EQ(p.rows[0], 1.0f);  // A is a placeholder
  EXPECT_EQ(c[0], 0.0f);
  EXPECT_EQ(c[1], 1.0f);             // C is the output
  EXPECT_EQ(c[5 + 1], 1.0f);         // sum reduction
  EXPECT_FLOAT_EQ(c[11], log2p(4));  // spatial extents 4, 8
  EXPECT_FLOAT_EQ(c[12], log2p(8));
  EXPECT_FLOAT_EQ(c[17], log2p(16));  // reduce extent 16
  EXPECT_FLOAT_EQ(c[20], log2p(dag->op_flop_count(2)));
  EXPECT_DOUBLE_EQ(dag->op_flop_count(2), 2.0 * 4 * 8 * 16);
  EXPECT_EQ(p.producers[2], (std::vector<int>{0, 1}));
  // Input B[k, j]: the innermost index is C's innermost spatial axis j; A[i, k]'s is reduce k.
  const float *in_a = c + kProgramRowWidth - kMaxRowInputs * kInputWidth;
  EXPECT_EQ(in_a[2], 0.0f);
  EXPECT_EQ(in_a[3], 1.0f);
  EXPECT_EQ(in_a[kInputWidth + 2], 1.0f);
  EXPECT_EQ(in_a[kInputWidth + 3], 0.0f);
}

TEST(StepTokens, OneTokenPerStepWithItsKindAndSplitLengths) {
  auto dag = testing::dag_of("matmul:M=64,N=64,K=64");
  State s(dag);
  s.apply(SplitStep{2, 0, 64, {4, 8}, true});
  s.apply(AnnotationStep{2, 0, static_cast<int>(IterAnnotation::Parallel)});
  TokenSequence seq = tokenize(dag, s.steps());
  ASSERT_EQ(seq.num_steps(), 2);
  ASSERT_EQ(seq.tokens.size(), 2u * kTokenWidth);
  const float *sp = seq.tokens.data();
  EXPECT_EQ(sp[kKindAt + 0], 1.0f);
  EXPECT_EQ(kind_sum(seq, 0), 1.0f);
  EXPECT_FLOAT_EQ(sp[kIterAt + kNumIterKinds], log2p(64));  // extent of i
  EXPECT_FLOAT_EQ(sp[kSplitAt + 1], log2p(4));
  EXPECT_FLOAT_EQ(sp[kSplitAt + 2], log2p(8));
  EXPECT_FLOAT_EQ(sp[kSplitAt + kMaxSplitParts + 2], log2p(2));  // outer part 64 / 32
  const float *an = sp + kTokenWidth;
  EXPECT_EQ(an[kAnnotationAt + static_cast<int>(IterAnnotation::Parallel)], 1.0f);
  EXPECT_FLOAT_EQ(an[kIterAt + kNumIterKinds], log2p(2));  // the outer part after the split
  EXPECT_EQ(seq.slot, (std::vector<int>{2, 2}));
}

TEST(StepTokens, InsertedStagesGetFreshSlotsAndComputeAtReadsItsTarget) {
  // Sampled schedules of a matmul use cache writes; those of a fused conv use compute-at.
  int checked_insert = 0, checked_ca = 0;
  std::vector<State> states = testing::random_states("matmul:M=64,N=64,K=64", 20, 7);
  for (const State &s :
       testing::random_states("conv2d_bias_relu_nhwc:N=1,H=14,W=14,CI=32,CO=32,K=3,S=1,P=1", 20, 7))
    states.push_back(s);
  for (const State &s : states) {
    int prefixes = 0;
    TokenSequence seq = tokenize(s.initial_dag(), s.steps(), [&](int t, const State &p) {
      EXPECT_EQ(static_cast<int>(p.steps().size()), t + 1);
      ++prefixes;
    });
    ASSERT_EQ(seq.num_steps(), static_cast<int>(s.steps().size()));
    EXPECT_EQ(prefixes, seq.num_steps());
    EXPECT_EQ(seq.num_slots(), s.num_stages());  // one slot per stage, inserted ones included
    for (int t = 0; t < seq.num_steps(); ++t) {
      EXPECT_EQ(kind_sum(seq, t), 1.0f);
      ASSERT_LT(seq.slot[t], seq.num_slots());
      const Step &step = s.steps()[t];
      if (std::holds_alternative<CacheWriteStep>(step)) {
        EXPECT_GE(seq.slot[t], s.initial_dag()->num_ops());
        EXPECT_EQ(seq.slot_source[seq.slot[t]], seq.target_slot[t]);
        ++checked_insert;
      }
      if (std::holds_alternative<ComputeAtStep>(step)) {
        EXPECT_NE(seq.slot[t], seq.target_slot[t]);
        ++checked_ca;
      }
    }
  }
  EXPECT_GT(checked_insert, 0);
  EXPECT_GT(checked_ca, 0);
}

// By hand: matmul stages A, B, C (slots 0, 1, 2). A cache write of C inserts C.local at stage 2
// (slot 3, from C) and C moves to stage 3; a cache read of A inserts A.local at stage 1 (slot 4).
TEST(StepTokens, SlotsFollowInsertedStagesByHand) {
  auto dag = testing::dag_of("matmul:M=8,N=8,K=8");
  State s(dag);
  s.apply(CacheWriteStep{2, "local"});
  s.apply(SplitStep{2, 0, 8, {2}, true});   // C.local
  s.apply(SplitStep{3, 0, 8, {4}, true});   // C
  s.apply(CacheReadStep{0, "local", {2}});  // A.local, read by C.local
  s.apply(SplitStep{3, 2, 8, {2}, true});   // C.local (j), moved to stage 3
  TokenSequence seq = tokenize(dag, s.steps());
  EXPECT_EQ(seq.slot, (std::vector<int>{3, 3, 2, 4, 3}));
  EXPECT_EQ(seq.target_slot, (std::vector<int>{2, 3, 2, 0, 3}));
  EXPECT_EQ(seq.slot_source, (std::vector<int>{0, 1, 2, 2, 0}));
}

TEST(StepTokens, AStepThatDoesNotApplyIsABadSchedule) {
  auto dag = testing::dag_of("matmul:M=8,N=8,K=8");
  std::vector<Step> steps = {SplitStep{2, 7, 8, {2}, true}};  // C has 3 iterators
  try {
    tokenize(dag, steps);
    FAIL() << "no error";
  } catch (const UserError &e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadSchedule);
    EXPECT_NE(std::string(e.what()).find("step 0 (SP)"), std::string::npos) << e.what();
  }
}

TEST(HeadInputs, ActionSummaryReadsParallelAndVectorExtents) {
  auto dag = testing::dag_of("matmul:M=64,N=64,K=64");
  State s(dag);
  s.apply(SplitStep{2, 1, 64, {16}, true});  // i, j.0 (4), j.1 (16), k
  s.apply(AnnotationStep{2, 0, static_cast<int>(IterAnnotation::Parallel)});
  s.apply(ReorderStep{2, {0, 1, 3, 2}});
  s.apply(AnnotationStep{2, 3, static_cast<int>(IterAnnotation::Vectorize)});
  std::vector<float> v = action_summary(s);
  ASSERT_EQ(v.size(), static_cast<size_t>(kActionSummaryWidth));
  EXPECT_FLOAT_EQ(v[0], log2p(64));
  EXPECT_FLOAT_EQ(v[1], log2p(16));
  EXPECT_FLOAT_EQ(v[8], log2p(16));       // innermost iterator
  EXPECT_FLOAT_EQ(v[9], log2p(16 * 64));  // innermost two
}

TEST(HeadInputs, HardwareVectorTellsMachinesApart) {
  search::SearchTask a, b;
  a.target = "x86-64-linux-avx-avx2-avx512-avx512_sapphirerapids-fma";
  a.machine = "AMD EPYC | family 26 model 2 | 2 cores | " + a.target;
  b.target = "x86-64-linux-avx-avx2-fma";
  b.machine = "Intel(R) Xeon(R) | family 6 model 106 | 2 cores | " + b.target;
  b.hw.num_cores = 8;
  std::vector<float> va = hardware_vector(a), vb = hardware_vector(b);
  ASSERT_EQ(va.size(), static_cast<size_t>(kHardwareWidth));
  EXPECT_EQ(va[4], 1.0f);  // avx512
  EXPECT_EQ(vb[4], 0.0f);
  EXPECT_EQ(va[9], 1.0f);   // AMD
  EXPECT_EQ(vb[8], 1.0f);   // Intel
  EXPECT_GT(vb[0], va[0]);  // more cores
}

}  // namespace
}  // namespace worldtune::tokens
