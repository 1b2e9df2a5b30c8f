/// \file Where the run worker places a candidate's argument buffers. A kernel's speed can depend on
/// the buffers' addresses modulo the 4 KiB page: when an input and the output start at the same
/// page offset, loads and stores at equal indices alias in the low 12 address bits (4K aliasing)
/// and a streaming kernel can run 1.4x slower. malloc decides those offsets by its history (a
/// forked worker inherits the tuner's; a fresh process puts every large buffer at the same
/// offset), so timings changed from one process to the next. Every buffer now gets its own pages
/// and a fixed, distinct page offset: the same placement for every candidate, every process.
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
