/// \file Memory planning of compiled networks: buffers alive at the same time never share bytes,
/// buffers that are not do, and inputs, outputs and constants stay out of the arena.
#include <gtest/gtest.h>

#include "net_test_util.h"
#include "netcompile/memory_plan.h"
#include "onnx_import/onnx_import.h"
#include "partition/partitioner.h"

namespace worldtune::netcompile {
namespace {

/// [first call writing, last call reading] per buffer.
std::vector<std::pair<int, int>> lives(const partition::TaskGraph &g) {
  std::vector<std::pair<int, int>> l(g.buffers.size(), {-1, -1});
  for (size_t c = 0; c < g.calls.size(); ++c) {
    for (int b : g.calls[c].inputs) l[static_cast<size_t>(b)].second = static_cast<int>(c);
    l[static_cast<size_t>(g.calls[c].output)] = {static_cast<int>(c), static_cast<int>(c)};
  }
  return l;
}

TEST(MemoryPlan, LiveBuffersNeverOverlapAndDeadOnesAreReused) {
  for (const std::string name : {"tiny_cnn", "tiny_encoder"}) {
    SCOPED_TRACE(name);
    const partition::TaskGraph g =
        partition::partition(onnx_import::import_onnx(testing::network(name)));
    const MemoryPlan plan = plan_memory(g);
    const auto life = lives(g);
    int arena = 0;
    for (size_t a = 0; a < g.buffers.size(); ++a) {
      const BufferPlace &pa = plan.buffers[a];
      EXPECT_EQ(pa.place == Place::Constant, g.buffers[a].constant);
      if (pa.place != Place::Arena) continue;
      ++arena;
      EXPECT_EQ(pa.offset % kAlignElements, 0);
      EXPECT_LE(pa.offset + g.buffers[a].elements(), plan.arena_elements);
      for (size_t b = a + 1; b < g.buffers.size(); ++b) {
        const BufferPlace &pb = plan.buffers[b];
        if (pb.place != Place::Arena) continue;
        const bool live_together =
            life[a].first <= life[b].second && life[b].first <= life[a].second;
        const bool share = pa.offset < pb.offset + g.buffers[b].elements() &&
                           pb.offset < pa.offset + g.buffers[a].elements();
        EXPECT_FALSE(live_together && share) << g.buffers[a].name << " and " << g.buffers[b].name;
      }
    }
    EXPECT_GT(arena, 4);
    EXPECT_LT(plan.arena_elements, plan.unshared_elements);  // something was reused
    EXPECT_EQ(plan.buffers[static_cast<size_t>(g.inputs[0])].place, Place::Input);
    EXPECT_EQ(plan.buffers[static_cast<size_t>(g.outputs[0])].place, Place::Output);
  }
}

}  // namespace
}  // namespace worldtune::netcompile
