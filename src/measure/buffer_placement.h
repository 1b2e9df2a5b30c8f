/// \file Where the run worker places a candidate's argument buffers. With malloc, their addresses
/// modulo the 4 KiB page depend on the allocator's history (a forked worker inherited the tuner's;
/// a fresh process puts every large buffer at the same offset), and a kernel whose input and
/// output start at the same page offset can suffer 4K aliasing between its loads and stores.
/// Every buffer gets its own pages and a fixed, distinct page offset instead: the same placement
/// for every candidate in every process. On the issue-8 kernels no placement measured faster
/// than another on an idle machine (docs/benchmarks.md); this is for determinism, not speed.
#pragma once

#include <cstddef>

namespace worldtune::measure {

/// Argument buffer `index` (inputs, then outputs) starts this many bytes into its first page:
/// multiples of Halide's 128-byte alignment, spread over the page.
size_t buffer_page_offset(size_t index);

/// `n` floats at buffer_page_offset(index) into freshly mapped pages. Throws std::bad_alloc when
/// the pages cannot be mapped (the worker's memory cap).
class PlacedFloats {
 public:
  PlacedFloats(size_t n, size_t index);
  ~PlacedFloats();
  PlacedFloats(const PlacedFloats &) = delete;
  PlacedFloats &operator=(const PlacedFloats &) = delete;
  float *data() const { return data_; }
  size_t size() const { return n_; }

 private:
  void *map_ = nullptr;
  size_t map_bytes_ = 0;
  float *data_ = nullptr;
  size_t n_ = 0;
};

}  // namespace worldtune::measure
