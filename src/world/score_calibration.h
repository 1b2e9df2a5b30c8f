/// \file Turning a ranking network's scores into what the search expects of a cost model:
/// predicted throughput up to a constant factor (search/cost_model.h). A network trained with a
/// ranking loss only learns score differences; their offset and scale are arbitrary. The search
/// picks parents by a roulette wheel over max(score, 0), so raw scores steer it arbitrarily: all
/// negative means no steering, a few positive ones mean the whole population descends from them.
/// The calibration fits log(normalized throughput) ~ slope * score within each (workload,
/// machine) group; exp(slope * (score - center)), with a center fixed per task, then weighs
/// candidates by predicted throughput as xgb's regression does, whatever the task's offset.
/// Torch-free.
#pragma once

#include <vector>

namespace worldtune::world {

struct ScoreCalibration {
  double slope = 1;  ///< log throughput per score unit
  bool fitted = false;

  /// exp(slope * (score - center)), exponent clamped to +-80; non-finite scores pass through.
  /// `center`: any score of the task (a task's scores sit anywhere; this keeps exp in range).
  float apply(float score, double center) const;
};

/// The median of the finite scores (0 when none): a task's center.
double median_score(const std::vector<float> &scores);

/// An ensemble's score: per state, exp(mean - pessimism * sd) of its members' predicted log
/// throughputs (the logs of their calibrated scores; sd: their population standard deviation);
/// pessimism 0 is the geometric mean, 1 with two members the lower of the two. -infinity where
/// any member has a non-finite score (a state that does not replay). One member passes through.
std::vector<float> combine_members(const std::vector<std::vector<float>> &members,
                                   double pessimism = 0);

/// Least-squares slope of log label on score, pooled over groups after removing each group's
/// means; labels are normalized throughputs (0: failed, left out). Slope at least 1e-3.
ScoreCalibration fit_calibration(const std::vector<std::vector<float>> &scores,
                                 const std::vector<std::vector<float>> &labels);

}  // namespace worldtune::world
