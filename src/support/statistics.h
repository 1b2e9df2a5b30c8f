/// \file The two summaries every report of worldtune uses: the median (of repeated timings, of
/// seeds) and the geometric mean (of speeds over workloads), in one place so that every table
/// agrees on what they mean.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace worldtune {

/// The median; the mean of the two middle values for an even count; 0 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The geometric mean; 0 when there is no value or one is not positive (a failure is never
/// silently left out of a mean).
inline double geometric_mean(const std::vector<double> &v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) {
    if (!(x > 0)) return 0;
    s += std::log(x);
  }
  return std::exp(s / static_cast<double>(v.size()));
}

}  // namespace worldtune
