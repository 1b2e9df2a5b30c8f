/// \file Per-store features on small programs whose values were worked out by hand (see the
/// comments), plus shape and validity checks on sampled schedules of every core workload.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "features/per_store_features.h"
#include "search/sketch_rules.h"
#include "test_states.h"
#include "worldtune/error.h"

namespace worldtune::features {
namespace {

using schedule::State;

float get(const StoreFeatures &f, const std::string &name) {
  const auto &names = feature_names();
  auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return f.values.at(static_cast<size_t>(it - names.begin()));
}

TEST(Features, NamesMatchAnsorsLayout) {
  EXPECT_EQ(feature_names().size(), static_cast<size_t>(kNumPerStoreFeatures));
  EXPECT_EQ(feature_names()[57], "B0.acc_type.read");
  EXPECT_EQ(feature_names()[147], "arith_intensity_curve_0");
  EXPECT_EQ(feature_names()[163], "auto_unroll_max_step");
}

// C[i, j] += A[i, k] * B[k, j], 4x4x4, no schedule: loops i, j, k of extent 4.
TEST(Features, UnscheduledMatmulByHand) {
  State s(testing::dag_of("matmul:M=4,N=4,K=4"));
  auto rows = per_store_features(s, 64, false);
  ASSERT_EQ(rows.size(), 1u);
  const StoreFeatures &c = rows[0];
  EXPECT_EQ(c.stage_name, "C");
  EXPECT_FLOAT_EQ(get(c, "float_addsub"), 64);  // one accumulate per iteration
  EXPECT_FLOAT_EQ(get(c, "float_mul"), 64);
  EXPECT_FLOAT_EQ(get(c, "int_addsub"), 0);  // plain indices
  EXPECT_FLOAT_EQ(get(c, "vec_num"), 0);
  EXPECT_FLOAT_EQ(get(c, "vec_type.none"), 1);
  EXPECT_FLOAT_EQ(get(c, "is_gpu"), 0);
  EXPECT_FLOAT_EQ(get(c, "blockIdx_x_len"), 1);
  // Buffers sorted by lines: B (strided by 4 along k), A, then C.
  // B[k, j]: k moves it by a row (4 floats = 16 B): 64 iterations x 16/64 lines.
  EXPECT_FLOAT_EQ(get(c, "B0.acc_type.read"), 1);
  EXPECT_FLOAT_EQ(get(c, "B0.bytes"), 256);
  EXPECT_FLOAT_EQ(get(c, "B0.unique_bytes"), 64);
  EXPECT_FLOAT_EQ(get(c, "B0.lines"), 16);
  EXPECT_FLOAT_EQ(get(c, "B0.unique_lines"), 1);
  EXPECT_FLOAT_EQ(get(c, "B0.stride"), 4);
  // Reuse of B: k and j move it; i does not -> loop-multiple-read, distance k*j = 16 iterations,
  // bytes touched inside j: C 4 + A 4 + B 16 elements = 96 B, reused 4 times (i).
  EXPECT_FLOAT_EQ(get(c, "B0.reuse_type.loop_multiple_read"), 1);
  EXPECT_FLOAT_EQ(get(c, "B0.reuse_dis_iter"), 16);
  EXPECT_FLOAT_EQ(get(c, "B0.reuse_dis_bytes"), 96);
  EXPECT_FLOAT_EQ(get(c, "B0.reuse_ct"), 4);
  EXPECT_FLOAT_EQ(get(c, "B0.bytes_d_reuse_ct"), 64);
  // A[i, k]: contiguous along k: 64 x 4/64 = 4 lines; reused across j after k (36 B inside k).
  EXPECT_FLOAT_EQ(get(c, "B1.lines"), 4);
  EXPECT_FLOAT_EQ(get(c, "B1.stride"), 1);
  EXPECT_FLOAT_EQ(get(c, "B1.reuse_dis_iter"), 4);
  EXPECT_FLOAT_EQ(get(c, "B1.reuse_dis_bytes"), 36);
  // C[i, j]: read and written; k does not move it (reused 4 times inside k, 3 elements apart).
  EXPECT_FLOAT_EQ(get(c, "B2.acc_type.read_write"), 1);
  EXPECT_FLOAT_EQ(get(c, "B2.lines"), 1);
  EXPECT_FLOAT_EQ(get(c, "B2.stride"), 0);
  EXPECT_FLOAT_EQ(get(c, "B2.reuse_dis_iter"), 1);
  EXPECT_FLOAT_EQ(get(c, "B2.reuse_dis_bytes"), 12);
  EXPECT_FLOAT_EQ(get(c, "B2.reuse_ct"), 4);
  EXPECT_FLOAT_EQ(get(c, "B3.bytes"), 0);  // padding
  // Intensity: 8 FLOPs / 36 B inside k, 32 / 96 inside j, 128 / 192 for the whole nest.
  EXPECT_NEAR(get(c, "arith_intensity_curve_0"), 8.0 / 36 + (32.0 / 96 - 8.0 / 36) / 24 * 4.8,
              1e-5);
  EXPECT_NEAR(get(c, "arith_intensity_curve_9"), 128.0 / 192, 1e-6);
  EXPECT_FLOAT_EQ(get(c, "alloc_size"), 0);  // the output is not allocated by the program
  EXPECT_FLOAT_EQ(get(c, "outer_prod"), 64);
  EXPECT_FLOAT_EQ(get(c, "num_loops"), 3);
}

// 8x8x8 matmul, C.local computed at C's outer row tile (i.0, extent 2), C's column loop
// vectorized and its row tile loop parallel.
TEST(Features, CacheWriteAtTileByHand) {
  auto dag = testing::dag_of("matmul:M=8,N=8,K=8");
  State s(dag);
  s.apply(schedule::CacheWriteStep{2, "local"});  // C.local = stage 2, C = stage 3
  s.apply(schedule::SplitStep{3, 0, 8, {4}, true});
  s.apply(schedule::ComputeAtStep{2, 3, 0});
  s.apply(schedule::AnnotationStep{3, 0, 3});  // parallel i.0
  s.apply(schedule::AnnotationStep{3, 2, 2});  // vectorize j
  s.apply(schedule::PragmaStep{3, 0, "auto_unroll_max_step$16"});
  auto rows = per_store_features(s, 64, false);
  ASSERT_EQ(rows.size(), 2u);
  const StoreFeatures &local = rows[0], &c = rows[1];
  EXPECT_EQ(local.stage_name, "C.local");
  // C.local: loops i.0 (2, C's), then its own i (4), j (8), k (8).
  EXPECT_FLOAT_EQ(get(local, "outer_prod"), 512);
  EXPECT_FLOAT_EQ(get(local, "num_loops"), 4);
  EXPECT_FLOAT_EQ(get(local, "float_mul"), 512);
  EXPECT_FLOAT_EQ(get(local, "parallel_num"), 1);  // inside C's parallel loop
  EXPECT_FLOAT_EQ(get(local, "parallel_len"), 2);
  EXPECT_FLOAT_EQ(get(local, "auto_unroll_max_step"), 16);  // C's pragma encloses it
  // Its 4x8 tile, allocated inside i.0: 128 B, 2 allocations, 256 iterations per allocation.
  EXPECT_FLOAT_EQ(get(local, "alloc_size"), 128);
  EXPECT_FLOAT_EQ(get(local, "alloc_outer_prod"), 2);
  EXPECT_FLOAT_EQ(get(local, "alloc_prod"), 64);
  EXPECT_FLOAT_EQ(get(local, "alloc_inner_prod"), 256);
  // The tile of A moves with i.0: A is read at rows i.0*4 + i, so the whole 8x8 A is touched.
  float a_unique = 0;
  for (int b = 0; b < kMaxBuffers; ++b)
    if (get(local, "B" + std::to_string(b) + ".acc_type.read") == 1 &&
        get(local, "B" + std::to_string(b) + ".lines") == 32)  // A: 512 x 4/64 lines along k
      a_unique = get(local, "B" + std::to_string(b) + ".unique_bytes");
  EXPECT_FLOAT_EQ(a_unique, 256);
  // C: copy out of C.local, loops i.0 (parallel 2), i.1 (4), j (vectorized 8).
  EXPECT_FLOAT_EQ(get(c, "vec_num"), 1);
  EXPECT_FLOAT_EQ(get(c, "vec_prod"), 8);
  EXPECT_FLOAT_EQ(get(c, "vec_len"), 8);
  EXPECT_FLOAT_EQ(get(c, "vec_type.mixed"), 1);
  EXPECT_FLOAT_EQ(get(c, "parallel_prod"), 2);
  EXPECT_FLOAT_EQ(get(c, "float_mul"), 0);
  EXPECT_FLOAT_EQ(get(c, "int_mul"), 64);  // i.0*4 in the row index
  EXPECT_FLOAT_EQ(get(c, "alloc_size"), 0);
  // C reads C.local, which was written inside i.0 too: serial reuse at i.0.
  EXPECT_FLOAT_EQ(get(c, "B0.reuse_type.serial_multiple_read_write") +
                      get(c, "B1.reuse_type.serial_multiple_read_write"),
                  1);
}

TEST(Features, LogScaleAndEveryCoreWorkload) {
  for (const char *key :
       {"conv2d_nhwc:N=1,H=14,W=14,CI=16,CO=16,K=3,S=1,P=1", "softmax:B=2,M=16,N=16",
        "depthwise_conv2d_nhwc:N=1,H=14,W=14,C=8,K=3,S=1,P=1", "dense:M=16,N=32,K=16,BIAS=1,RELU=1",
        "batch_matmul:B=2,M=8,N=8,K=8"}) {
    for (const State &st : testing::random_states(key, 20, 3)) {
      auto raw = per_store_features(st, 64, false);
      auto logged = per_store_features(st, 64, true);
      ASSERT_EQ(raw.size(), logged.size()) << key;
      ASSERT_FALSE(raw.empty());
      for (size_t r = 0; r < raw.size(); ++r) {
        ASSERT_EQ(raw[r].values.size(), static_cast<size_t>(kNumPerStoreFeatures));
        for (size_t k = 0; k < raw[r].values.size(); ++k) {
          float v = raw[r].values[k];
          ASSERT_TRUE(std::isfinite(v)) << key << " " << feature_names()[k];
          float expect = v < 0 ? -std::log2(1 - v) : std::log2(1 + v);
          bool one_hot = feature_names()[k].find('.') != std::string::npos &&
                         feature_names()[k].find("type.") != std::string::npos;
          if (!one_hot && feature_names()[k] != "is_gpu") {
            EXPECT_NEAR(logged[r].values[k], expect, 1e-4) << feature_names()[k];
          }
        }
      }
    }
  }
}

TEST(Features, ExtentOneOuterLoopKeepsTheCurveFinite) {
  // M=1: the outer loop repeats the FLOPs of the loop inside it. For these sizes the last
  // sample point (FLOPs x 10 / 10 in float) rounds past them, which used to divide 0 by 0.
  for (auto [n, k] : {std::pair{1099, 3057}, {1097, 3059}, {1099, 3061}}) {
    State s(testing::dag_of("matmul:M=1,N=" + std::to_string(n) + ",K=" + std::to_string(k)));
    for (const StoreFeatures &f : per_store_features(s, 64))
      for (float v : f.values) ASSERT_TRUE(std::isfinite(v)) << n;
  }
}

TEST(Features, SketchWithUndefinedLengthsIsRefused) {
  search::SketchParams sp;
  auto sketches = search::generate_sketches(State(testing::dag_of("matmul:M=8,N=8,K=8")), sp);
  EXPECT_THROW(per_store_features(sketches[0], 64), UserError);
}

}  // namespace
}  // namespace worldtune::features
