/// \file A task's own correction of a pretrained ranking network, learned during the run: the
/// sequence models' counterpart of TenSet's local booster (Zheng et al. 2021), which the
/// pretrained xgb trains on each run's measurements on top of its frozen trees. Here the
/// correction is a ridge regression of the residual (measured log throughput minus the network's
/// calibrated prediction) on the network's own last hidden layer: the features the network
/// ranks from, so no program features are computed. Torch-free.
#pragma once

#include <vector>

namespace worldtune::world {

class LocalResidual {
 public:
  /// Fits on rows `features` (one per measured program, equal widths) with residuals `residual`
  /// (log units). Each feature is standardized over the rows; `ridge` (> 0) is the penalty on
  /// the weights of the standardized features, relative to the mean squared residual's scale
  /// (the normal equations are divided by the number of rows). Fewer than two rows: no fit.
  static LocalResidual fit(const std::vector<std::vector<float>> &features,
                           const std::vector<double> &residual, double ridge);

  bool fitted() const { return !weights_.empty(); }
  /// The correction (log units) of a program with these features; 0 when not fitted.
  double apply(const std::vector<float> &features) const;

 private:
  std::vector<double> mean_, scale_, weights_;
  double bias_ = 0;
};

}  // namespace worldtune::world
