/// \file The one random generator of the search: seeded explicitly, identical sequences on every
/// platform (std distributions are implementation-defined, so we draw integers ourselves).
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace worldtune {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  /// Uniform integer in [0, n); n > 0.
  uint64_t uniform(uint64_t n) {
    // Rejection sampling keeps the draw unbiased and platform independent.
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = engine_();
    } while (x >= limit);
    return x % n;
  }
  /// Fisher-Yates from the back, drawing with uniform(): the same order on every platform.
  template <typename T>
  void shuffle(std::vector<T> &v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform(i)]);
  }
  /// Uniform double in [0, 1).
  double uniform_real() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace worldtune
