/// \file Liveness of the intermediate buffers and their offsets in the arena.
#include "netcompile/memory_plan.h"

#include <algorithm>
#include <numeric>

#include "worldtune/error.h"

namespace worldtune::netcompile {

namespace {

int64_t aligned(int64_t n) { return (n + kAlignElements - 1) / kAlignElements * kAlignElements; }

struct Interval {
  int first = 0, last = 0;  ///< calls that write it first and read it last
  bool overlaps(const Interval &o) const { return first <= o.last && o.first <= last; }
};

/// The arena offset of buffer `b`: the lowest aligned one clear of every placed buffer whose
/// life overlaps b's.
int64_t first_fit(int64_t size, const Interval &life, const std::vector<int> &placed,
                  const std::vector<Interval> &lives, const MemoryPlan &plan,
                  const partition::TaskGraph &g) {
  std::vector<std::pair<int64_t, int64_t>> taken;
  for (int p : placed)
    if (lives[static_cast<size_t>(p)].overlaps(life)) {
      const int64_t at = plan.buffers[static_cast<size_t>(p)].offset;
      taken.push_back({at, at + aligned(g.buffers[static_cast<size_t>(p)].elements())});
    }
  std::sort(taken.begin(), taken.end());
  int64_t offset = 0;
  for (const auto &[begin, end] : taken) {
    if (offset + size <= begin) break;
    offset = std::max(offset, end);
  }
  return offset;
}

}  // namespace

MemoryPlan plan_memory(const partition::TaskGraph &g) {
  MemoryPlan plan;
  plan.buffers.resize(g.buffers.size());
  std::vector<Interval> lives(g.buffers.size(), {-1, -1});
  for (size_t c = 0; c < g.calls.size(); ++c) {
    const int call = static_cast<int>(c);
    for (int b : g.calls[c].inputs) lives[static_cast<size_t>(b)].last = call;
    Interval &out = lives[static_cast<size_t>(g.calls[c].output)];
    WT_ASSERT(out.first < 0, "buffer " << g.calls[c].output << " is written twice");
    out = {call, call};
  }
  for (size_t i = 0; i < g.inputs.size(); ++i)
    plan.buffers[static_cast<size_t>(g.inputs[i])] = {Place::Input, static_cast<int64_t>(i)};
  for (size_t i = 0; i < g.outputs.size(); ++i)
    plan.buffers[static_cast<size_t>(g.outputs[i])] = {Place::Output, static_cast<int64_t>(i)};
  std::vector<int> arena;
  for (size_t b = 0; b < g.buffers.size(); ++b) {
    BufferPlace &p = plan.buffers[b];
    if (g.buffers[b].constant && p.place != Place::Output) {
      p = {Place::Constant, plan.weight_elements};
      plan.weight_elements += aligned(g.buffers[b].elements());
    } else if (p.place == Place::Arena) {
      arena.push_back(static_cast<int>(b));
    }
  }
  // Largest first, ties in creation order: deterministic, and big buffers claim low offsets.
  std::stable_sort(arena.begin(), arena.end(), [&](int a, int b) {
    return g.buffers[static_cast<size_t>(a)].elements() >
           g.buffers[static_cast<size_t>(b)].elements();
  });
  std::vector<int> placed;
  for (int b : arena) {
    const int64_t size = aligned(g.buffers[static_cast<size_t>(b)].elements());
    const int64_t at = first_fit(size, lives[static_cast<size_t>(b)], placed, lives, plan, g);
    plan.buffers[static_cast<size_t>(b)] = {Place::Arena, at};
    plan.arena_elements = std::max(plan.arena_elements, at + size);
    plan.unshared_elements += size;
    placed.push_back(b);
  }
  return plan;
}

}  // namespace worldtune::netcompile
