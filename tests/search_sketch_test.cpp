/// \file Sketch counts against the numbers Ansor's own tests expect (ansor-on-halide.md §2.3).
#include <gtest/gtest.h>

#include "search/sketch_rules.h"
#include "test_dags.h"

namespace worldtune {
namespace {

using schedule::State;

// Ansor's expected counts come from TVM's CI hosts, which have many cores; rfactor decisions
// depend on the core count, so the oracle tests use 8.
std::vector<State> sketches_of(std::shared_ptr<const ir::ComputeDAG> dag, int cores = 8) {
  search::SketchParams p;
  p.hw.num_cores = cores;
  return search::generate_sketches(State(dag), p);
}

TEST(SketchGeneration, Matmul512HasThreeSketches) {
  auto sk = sketches_of(testing::dag_of("matmul:M=512,N=512,K=512"));
  ASSERT_EQ(sk.size(), 3u);
  // One plain multi-level tiling, two with cache write fused at level 1 and 2.
  int with_cache_write = 0;
  for (const State &s : sk) with_cache_write += s.num_stages() == 4;
  EXPECT_EQ(with_cache_write, 2);
}

TEST(SketchGeneration, SmallMatmulAddsTwoRfactorSketches) {
  auto sk = sketches_of(testing::dag_of("matmul:M=8,N=8,K=512"));
  EXPECT_EQ(sk.size(), 5u);
}

TEST(SketchGeneration, DoubleMatmulHasNine) {
  EXPECT_EQ(sketches_of(testing::double_matmul(512)).size(), 9u);
}

TEST(SketchGeneration, Conv2dBnReluHasThree) {
  EXPECT_EQ(sketches_of(testing::conv2d_nchw_bn_relu(1, 56, 56, 512, 512, 3, 1, 1)).size(), 3u);
}

TEST(SketchGeneration, MaxPoolHasOne) {
  EXPECT_EQ(sketches_of(testing::max_pool2d(1, 64, 112)).size(), 1u);
}

TEST(SketchGeneration, RfactorDependsOnCoreCount) {
  // 8x8 output: 64 spatial points exceed 2 cores x 16, so no rfactor on a 2-core host.
  EXPECT_EQ(sketches_of(testing::dag_of("matmul:M=8,N=8,K=512"), 2).size(), 3u);
  // A 2x2 pooling window (4 > 2 cores) gets rfactor sketches on 2 cores.
  EXPECT_EQ(sketches_of(testing::max_pool2d(1, 64, 112), 2).size(), 3u);
}

TEST(SketchGeneration, MinReduceHasThree) {
  EXPECT_EQ(sketches_of(testing::min_reduce(10, 1024)).size(), 3u);
}

TEST(SketchGeneration, SoftmaxHasNine) {
  EXPECT_EQ(sketches_of(testing::dag_of("softmax:B=1,M=1,N=1024")).size(), 9u);
  EXPECT_EQ(sketches_of(testing::dag_of("softmax:B=12,M=128,N=128")).size(), 9u);
}

TEST(SketchGeneration, ZeroRankReduceHasThree) {
  EXPECT_EQ(sketches_of(testing::zero_rank_reduce(1024, 1024)).size(), 3u);
}

TEST(SketchGeneration, MultiLevelTilingStructure) {
  auto sk = sketches_of(testing::dag_of("matmul:M=512,N=512,K=512"));
  // The plain MLT sketch: C's loops are S0 S1 R0 S2 R1 S3 = i.0 j.0 i.1 j.1 k.0 i.2 j.2 k.1 i.3
  // j.3.
  const State *plain = nullptr;
  for (const State &s : sk)
    if (s.num_stages() == 3) plain = &s;
  ASSERT_NE(plain, nullptr);
  std::vector<std::string> names;
  for (const auto &it : plain->stage(2).iters) names.push_back(it.name);
  EXPECT_EQ(names, (std::vector<std::string>{"i.0", "j.0", "i.1", "j.1", "k.0", "i.2", "j.2", "k.1",
                                             "i.3", "j.3"}));
}

TEST(SketchGeneration, FusionAttachesAtTileLevel) {
  auto sk = sketches_of(testing::dag_of("matmul:M=512,N=512,K=512"));
  std::vector<std::string> attach_names;
  for (const State &s : sk) {
    if (s.num_stages() != 4) continue;
    const auto &local = s.stage(2);
    ASSERT_EQ(local.compute_at, schedule::ComputeAtKind::Iter);
    ASSERT_EQ(local.attach_stage, 3);
    const auto &c = s.stage(3);
    attach_names.push_back(c.iters[c.find_iter(local.attach_uid)].name);
  }
  std::sort(attach_names.begin(), attach_names.end());
  EXPECT_EQ(attach_names, (std::vector<std::string>{"j.0", "j.1"}));
}

}  // namespace
}  // namespace worldtune
