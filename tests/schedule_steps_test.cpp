/// \file Every transform step on the State, record round trips, replay, bound inference, and
/// invalid step lists that must raise errors instead of crashing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "schedule/bound_inference.h"
#include "schedule/state.h"
#include "test_dags.h"
#include "worldtune/error.h"

namespace worldtune::schedule {
namespace {

using testing::dag_of;

std::vector<std::string> iter_names(const State &s, int stage) {
  std::vector<std::string> out;
  for (const auto &it : s.stage(stage).iters) out.push_back(it.name);
  return out;
}

TEST(Steps, SplitReorderFuseAnnotate) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(SplitStep{2, 0, 64, {8, 4}, true});
  EXPECT_EQ(iter_names(s, 2), (std::vector<std::string>{"i.0", "i.1", "i.2", "j", "k"}));
  EXPECT_EQ(s.stage(2).iters[0].extent, 2);
  EXPECT_EQ(s.stage(2).iters[1].extent, 8);
  s.apply(ReorderStep{2, {0, 3, 1, 4, 2}});
  EXPECT_EQ(iter_names(s, 2), (std::vector<std::string>{"i.0", "j", "i.1", "k", "i.2"}));
  s.apply(FuseStep{2, {0, 1}});
  EXPECT_EQ(s.stage(2).iters[0].name, "i.0@j@");
  EXPECT_EQ(s.stage(2).iters[0].extent, 64);
  s.apply(AnnotationStep{2, 0, 3});
  EXPECT_EQ(s.stage(2).iters[0].annotation, IterAnnotation::Parallel);
  s.apply(PragmaStep{2, 0, "auto_unroll_max_step$64"});
  EXPECT_EQ(s.stage(2).auto_unroll_max_step, 64);
  // Axis expressions still recover i and j.
  auto ax = axis_exprs(s.stage(2), s.dag());
  std::vector<int64_t> vals(s.stage(2).next_uid, 0);
  // fused (i.0,j) = 1*32 + 5 -> i.0 = 1, j = 5; i.1 = 3; i.2 = 2 -> i = 1*32 + 3*4 + 2 = 46.
  const auto &st = s.stage(2);
  vals[st.iters[0].uid] = 37;
  vals[st.iters[1].uid] = 3;
  vals[st.iters[3].uid] = 2;
  EXPECT_EQ(ir::eval_int(ax[0], vals), 46);
  EXPECT_EQ(ir::eval_int(ax[1], vals), 5);
}

TEST(Steps, SplitNpartsMode) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(SplitStep{2, 1, 32, {4}, false});
  EXPECT_EQ(s.stage(2).iters[1].extent, 4);
  EXPECT_EQ(s.stage(2).iters[2].extent, 8);
}

TEST(Steps, ComputeInlineRootAndAt) {
  State s(dag_of("conv2d_bias_relu_nhwc:N=1,H=8,W=8,CI=4,CO=8,K=3,S=1,P=1"));
  int pad = s.dag().find_op("pad"), conv = s.dag().find_op("conv2d");
  int bias = s.dag().find_op("bias_add"), relu = s.dag().find_op("relu");
  s.apply(ComputeInlineStep{bias});
  EXPECT_EQ(s.stage(bias).compute_at, ComputeAtKind::Inlined);
  EXPECT_EQ(s.consumers(conv), std::vector<int>{relu});
  s.apply(ComputeAtStep{pad, conv, 1});
  EXPECT_EQ(s.stage(pad).compute_at, ComputeAtKind::Iter);
  EXPECT_EQ(s.attached_to(conv, s.stage(conv).iters[1].uid), std::vector<int>{pad});
  s.apply(ComputeRootStep{pad});
  EXPECT_EQ(s.stage(pad).compute_at, ComputeAtKind::Root);
}

TEST(Steps, ComputeAtNeedsAConsumer) {
  // C = A.B, E = C.D: C may be computed inside E, A inside nothing.
  State s(testing::double_matmul(16));
  int c = s.dag().find_op("C"), e = s.dag().find_op("E");
  EXPECT_THROW(s.apply(ComputeAtStep{0, c, 0}), UserError);  // A is a placeholder
  s.apply(ComputeAtStep{c, e, 1});
  EXPECT_EQ(s.stage(c).compute_at, ComputeAtKind::Iter);
  // With cache_write, E.local reads C; C may go into E (which E.local is computed inside) only
  // at or outside the loop E.local is attached to.
  State t(testing::double_matmul(16));
  t.apply(CacheWriteStep{e, "local"});
  int el = e, ec = e + 1;
  t.apply(SplitStep{ec, 0, 16, {4}, true});
  t.apply(ComputeAtStep{el, ec, 1});
  t.apply(ComputeAtStep{c, ec, 0});
  EXPECT_EQ(t.stage(c).attach_stage, ec);
  State u = t;
  u.apply(ComputeRootStep{c});
  try {
    u.apply(ComputeAtStep{c, ec, 2});
    ADD_FAILURE() << "compute_at inside a loop its reader is not in was accepted";
  } catch (const UserError &err) {
    EXPECT_NE(std::string(err.what()).find("not computed inside"), std::string::npos);
  }
}

TEST(Steps, OtherPragmasPassThrough) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(PragmaStep{2, 0, "debug_skip_region"});
  EXPECT_EQ(s.stage(2).auto_unroll_max_step, 0);
  EXPECT_EQ(State::replay(s.initial_dag(), s.steps()).key(), s.key());
}

TEST(Steps, CacheWriteInsertsLocalStage) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(CacheWriteStep{2, "local"});
  ASSERT_EQ(s.num_stages(), 4);
  EXPECT_EQ(s.dag().op(2).name, "C.local");
  EXPECT_EQ(s.dag().op(3).name, "C");
  EXPECT_TRUE(s.dag().op(3).reduce_axes.empty());
  EXPECT_EQ(s.dag().consumers(2), std::vector<int>{3});
  EXPECT_TRUE(s.has_cache_write_stage(2));
}

TEST(Steps, CacheReadRedirectsReaders) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(CacheReadStep{0, "shared", {2}});
  ASSERT_EQ(s.num_stages(), 4);
  EXPECT_EQ(s.dag().op(1).name, "A.shared");
  EXPECT_EQ(s.dag().consumers(0), std::vector<int>{1});
  EXPECT_EQ(s.dag().producers(3), (std::vector<int>{1, 2}));
}

TEST(Steps, RfactorSplitsTheReduction) {
  State s(dag_of("matmul:M=8,N=8,K=512"));
  s.apply(SplitStep{2, 2, 512, {16}, true});
  s.apply(RfactorStep{2, 3, 2});
  ASSERT_EQ(s.num_stages(), 4);
  const ir::Op &rf = s.dag().op(2);
  EXPECT_EQ(rf.name, "C.rf");
  ASSERT_EQ(rf.axes.size(), 3u);
  EXPECT_EQ(rf.axes[2].extent, 16);
  ASSERT_EQ(rf.reduce_axes.size(), 1u);
  EXPECT_EQ(rf.reduce_axes[0].extent, 32);
  EXPECT_EQ(s.dag().op(3).reduce_axes[0].extent, 16);
  EXPECT_DOUBLE_EQ(s.dag().flop_count(), 2.0 * 8 * 8 * 512 + 8 * 8 * 16);
}

TEST(Steps, FollowSplitUsesSourceLengths) {
  State s(dag_of("dense:M=64,N=32,K=16,RELU=1"));
  s.apply(SplitStep{2, 0, 64, {2, 4, 2}, true});
  s.apply(FollowSplitStep{3, 0, 0, 2});
  // n_split = 2 -> lengths [2, 4*2] -> parts 4, 2, 8.
  EXPECT_EQ(s.stage(3).iters[0].extent, 4);
  EXPECT_EQ(s.stage(3).iters[1].extent, 2);
  EXPECT_EQ(s.stage(3).iters[2].extent, 8);
  s.apply(FollowFusedSplitStep{3, 3, {0}, 1, true});
  EXPECT_EQ(s.stage(3).iters[4].extent, 4);
}

TEST(Steps, RecordRoundTripAndReplay) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(CacheWriteStep{2, "local"});
  s.apply(SplitStep{2, 0, 64, {8, 2, 2}, true});
  s.apply(SplitStep{2, 4, 32, {4, 2, 2}, true});
  s.apply(SplitStep{2, 8, 16, {4}, true});
  s.apply(ReorderStep{2, {0, 4, 1, 5, 8, 2, 6, 9, 3, 7}});
  s.apply(FollowSplitStep{3, 0, 1, 2});
  s.apply(FollowSplitStep{3, 3, 2, 2});
  s.apply(ReorderStep{3, {0, 3, 1, 4, 2, 5}});
  s.apply(ComputeAtStep{2, 3, 3});
  s.apply(FuseStep{3, {0, 1, 2, 3}});
  s.apply(AnnotationStep{3, 0, 3});
  s.apply(PragmaStep{2, 0, "auto_unroll_max_step$16"});
  s.apply(AnnotationStep{2, 9, 2});
  nlohmann::json j = steps_to_json(s.steps());
  std::vector<Step> back = steps_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(steps_to_json(back), j);
  State r = State::replay(s.initial_dag(), back);
  EXPECT_EQ(r.key(), s.key());
  EXPECT_EQ(r.to_string(), s.to_string());
  // Every step tag encodes and decodes.
  std::vector<Step> all = {SplitStep{1, 2, 3, {std::nullopt, 4}, true},
                           FollowSplitStep{1, 2, 3, 4},
                           FollowFusedSplitStep{1, 2, {3, 4}, 1, false},
                           ReorderStep{1, {1, 0}},
                           FuseStep{1, {0, 1}},
                           AnnotationStep{1, 2, 3},
                           PragmaStep{1, 0, "auto_unroll_max_step$16"},
                           ComputeAtStep{1, 2, 3},
                           ComputeInlineStep{1},
                           ComputeRootStep{1},
                           CacheReadStep{1, "shared", {2, 3}},
                           CacheWriteStep{1, "local"},
                           RfactorStep{1, 2, 3}};
  for (const Step &step : all) {
    nlohmann::json e = step_to_json(step);
    EXPECT_EQ(step_to_json(step_from_json(e)), e) << e.dump();
  }
}

TEST(Steps, BoundInferenceShrinksAttachedStages) {
  State s(dag_of("matmul:M=64,N=32,K=16"));
  s.apply(CacheWriteStep{2, "local"});
  s.apply(SplitStep{3, 0, 64, {8}, true});
  s.apply(SplitStep{3, 2, 32, {4}, true});
  s.apply(ReorderStep{3, {0, 2, 1, 3}});
  s.apply(ComputeAtStep{2, 3, 1});
  auto b = infer_bound(s);
  EXPECT_EQ(b[2].axis_extent, (std::vector<int64_t>{8, 4, 16}));
  EXPECT_EQ(b[3].axis_extent, (std::vector<int64_t>{64, 32}));
}

void expect_bad(const std::vector<nlohmann::json> &steps, const std::string &fragment) {
  std::vector<Step> decoded;
  try {
    for (const auto &j : steps) decoded.push_back(step_from_json(j));
    State::replay(dag_of("matmul:M=64,N=32,K=16"), decoded);
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    return;
  }
  ADD_FAILURE() << "no error for " << nlohmann::json(steps).dump();
}

TEST(Steps, InvalidStepListsRaiseErrors) {
  using nlohmann::json;
  expect_bad({json::array({"SP", 9, 0, 64, {8}, 1})}, "stage 9 does not exist");
  expect_bad({json::array({"SP", 2, 7, 64, {8}, 1})}, "iterator 7");
  expect_bad({json::array({"SP", 2, 0, 64, {0}, 1})}, "split length 0 is not in");
  expect_bad({json::array({"SP", 2, 0, 63, {8}, 1})}, "extent");
  expect_bad({json::array({"SP", 0, 0, 64, {8}, 1})}, "placeholder");
  expect_bad({json::array({"RE", 2, {0, 0, 1}})}, "permutation");
  expect_bad({json::array({"FU", 2, {0, 2}})}, "consecutive");
  expect_bad({json::array({"AN", 2, 0, 42})}, "annotation");
  expect_bad({json::array({"PR", 2, 0, "auto_unroll_max_step$lots"})}, "pragma");
  expect_bad({json::array({"SP", 2, 0, 0, {4294967296LL}, 1})}, "not in [1,");
  expect_bad({json::array({"SP", 2, 0, 0, {2147483648LL, 2147483648LL}, 1})}, "multiply");
  expect_bad({json::array({"CA", 2, 1, 0})}, "placeholder");
  expect_bad({json::array({"CI", 2})}, "cannot be inlined");
  expect_bad({json::array({"RF", 2, 0, 0})}, "not a reduction iterator");
  expect_bad({json::array({"FSP", 2, 0, 5, 1})}, "does not exist");
  expect_bad({json::array({"XX", 2})}, "unknown step tag");
  expect_bad({json::array({"SP", 2, "a", 64, {8}, 1})}, "must be an integer");
  expect_bad({json::array({"CA", 2})}, "needs 3 fields");
  expect_bad({json::array({"SP", 2, 0, 64, {8}, 1}), json::array({"CHW", 2, "local"})},
             "step 1 (CHW): cache_write of stage 2 must come before its splits");
}

}  // namespace
}  // namespace worldtune::schedule
