/// \file Page-placed argument buffers of the run worker.
#include "measure/buffer_placement.h"

#include <sys/mman.h>

#include <new>

namespace worldtune::measure {

namespace {

constexpr size_t kPage = 4096;
/// 9 x 128 bytes: consecutive buffers start 1152 bytes apart modulo the page, so no two of the
/// first 32 share an offset (9 is odd: the walk visits all 32 multiples of 128).
constexpr size_t kStagger = 1152;

}  // namespace

size_t buffer_page_offset(size_t index) { return index * kStagger % kPage; }

PlacedFloats::PlacedFloats(size_t n, size_t index) : n_(n) {
  map_bytes_ = buffer_page_offset(index) + n * sizeof(float) + kPage;
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) throw std::bad_alloc();
  data_ = reinterpret_cast<float *>(static_cast<char *>(map_) + buffer_page_offset(index));
}

PlacedFloats::~PlacedFloats() { ::munmap(map_, map_bytes_); }

}  // namespace worldtune::measure
