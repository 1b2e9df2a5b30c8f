/// \file Memory planning of a compiled network: the intermediate buffers share one arena, each at
/// an offset no other buffer that is alive at the same time overlaps (greedy by size, as TVM's
/// static memory planner does). Inputs, outputs and constants live elsewhere.
#pragma once

#include <cstdint>
#include <vector>

#include "partition/task_graph.h"

namespace worldtune::netcompile {

enum class Place { Input, Constant, Arena, Output };

struct BufferPlace {
  Place place = Place::Arena;
  int64_t offset = 0;  ///< elements into the arena or the weights; the index of an input/output
};

struct MemoryPlan {
  std::vector<BufferPlace> buffers;  ///< per task-graph buffer
  int64_t arena_elements = 0;
  int64_t weight_elements = 0;
  int64_t unshared_elements = 0;  ///< what the arena's buffers would take without sharing
};

/// Offsets are multiples of kAlignElements (64 bytes).
inline constexpr int64_t kAlignElements = 16;

MemoryPlan plan_memory(const partition::TaskGraph &graph);

}  // namespace worldtune::netcompile
