/// \file Fitting the score calibration of the sequence models.
#include "world/score_calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace worldtune::world {

ScoreCalibration fit_calibration(const std::vector<std::vector<float>> &scores,
                                 const std::vector<std::vector<float>> &labels) {
  double sxy = 0, sxx = 0, n = 0;
  for (size_t g = 0; g < scores.size(); ++g) {
    std::vector<std::pair<double, double>> xy;  // (score, log label) of programs that ran
    for (size_t i = 0; i < scores[g].size(); ++i)
      if (labels[g][i] > 0) xy.push_back({scores[g][i], std::log(labels[g][i])});
    if (xy.size() < 2) continue;
    double mx = 0, my = 0;
    for (auto [x, y] : xy) mx += x, my += y;
    mx /= static_cast<double>(xy.size()), my /= static_cast<double>(xy.size());
    for (auto [x, y] : xy) sxy += (x - mx) * (y - my), sxx += (x - mx) * (x - mx);
    n += static_cast<double>(xy.size());
  }
  ScoreCalibration c;
  c.fitted = n > 0;
  // A model whose scores do not rise with throughput gets a slope near zero: no steering.
  c.slope = sxx > 0 ? std::max(sxy / sxx, 1e-3) : 1e-3;
  return c;
}

float ScoreCalibration::apply(float score, double center) const {
  if (!std::isfinite(score)) return score;
  return static_cast<float>(std::exp(std::clamp(slope * (score - center), -80.0, 80.0)));
}

double median_score(const std::vector<float> &scores) {
  std::vector<float> finite;
  for (float s : scores)
    if (std::isfinite(s)) finite.push_back(s);
  if (finite.empty()) return 0;
  std::nth_element(finite.begin(), finite.begin() + finite.size() / 2, finite.end());
  return finite[finite.size() / 2];
}

std::vector<float> combine_members(const std::vector<std::vector<float>> &members,
                                   double pessimism) {
  if (members.size() == 1) return members[0];
  std::vector<float> out(members.empty() ? 0 : members[0].size());
  const double n = static_cast<double>(members.size());
  for (size_t i = 0; i < out.size(); ++i) {
    double sum = 0, sum_sq = 0;
    bool finite = true;
    for (const std::vector<float> &m : members) {
      finite = std::isfinite(m[i]) && m[i] > 0;
      if (!finite) break;
      const double log_score = std::log(m[i]);
      sum += log_score, sum_sq += log_score * log_score;
    }
    if (!finite) {
      out[i] = -std::numeric_limits<float>::infinity();
      continue;
    }
    const double mean = sum / n;
    const double sd = std::sqrt(std::max(sum_sq / n - mean * mean, 0.0));
    out[i] = static_cast<float>(std::exp(mean - pessimism * sd));
  }
  return out;
}

}  // namespace worldtune::world
