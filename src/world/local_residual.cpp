/// \file Fitting a task's local residual: ridge regression by a Cholesky solve.
#include "world/local_residual.h"

#include <cmath>

#include "worldtune/error.h"

namespace worldtune::world {

namespace {

/// Solves a x = b for a symmetric positive definite a (n x n, row-major), in place of b.
std::vector<double> cholesky_solve(std::vector<double> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    WT_ASSERT(d > 0, "ridge normal equations are not positive definite");
    a[j * n + j] = std::sqrt(d);
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / a[j * n + j];
    }
  }
  for (size_t i = 0; i < n; ++i) {  // L y = b
    for (size_t k = 0; k < i; ++k) b[i] -= a[i * n + k] * b[k];
    b[i] /= a[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {  // L^T x = y
    for (size_t k = i + 1; k < n; ++k) b[i] -= a[k * n + i] * b[k];
    b[i] /= a[i * n + i];
  }
  return b;
}

}  // namespace

LocalResidual LocalResidual::fit(const std::vector<std::vector<float>> &features,
                                 const std::vector<double> &residual, double ridge) {
  WT_ASSERT(features.size() == residual.size() && ridge > 0, "bad local residual inputs");
  LocalResidual r;
  const size_t rows = features.size();
  if (rows < 2) return r;
  const size_t w = features[0].size();
  r.mean_.assign(w, 0), r.scale_.assign(w, 0);
  for (const auto &f : features) {
    WT_ASSERT(f.size() == w, "local residual rows of unequal widths");
    for (size_t j = 0; j < w; ++j) r.mean_[j] += f[j];
  }
  for (double v : residual) r.bias_ += v;
  r.bias_ /= static_cast<double>(rows);
  for (size_t j = 0; j < w; ++j) r.mean_[j] /= static_cast<double>(rows);
  for (const auto &f : features)
    for (size_t j = 0; j < w; ++j) r.scale_[j] += (f[j] - r.mean_[j]) * (f[j] - r.mean_[j]);
  for (size_t j = 0; j < w; ++j) {  // a feature constant over the rows gets no weight
    double sd = std::sqrt(r.scale_[j] / static_cast<double>(rows));
    r.scale_[j] = sd > 1e-9 ? 1.0 / sd : 0.0;
  }
  std::vector<double> a(w * w, 0), b(w, 0), x(w);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < w; ++j) x[j] = (features[i][j] - r.mean_[j]) * r.scale_[j];
    for (size_t j = 0; j < w; ++j) {
      b[j] += x[j] * (residual[i] - r.bias_);
      for (size_t k = 0; k <= j; ++k) a[j * w + k] += x[j] * x[k];
    }
  }
  for (size_t j = 0; j < w; ++j) {
    for (size_t k = 0; k <= j; ++k) a[k * w + j] = a[j * w + k] /= static_cast<double>(rows);
    a[j * w + j] += ridge;
    b[j] /= static_cast<double>(rows);
  }
  r.weights_ = cholesky_solve(std::move(a), std::move(b));
  return r;
}

double LocalResidual::apply(const std::vector<float> &features) const {
  if (!fitted()) return 0;
  WT_ASSERT(features.size() == weights_.size(), "local residual applied to rows of another width");
  double c = bias_;
  for (size_t j = 0; j < weights_.size(); ++j)
    c += weights_[j] * (features[j] - mean_[j]) * scale_[j];
  return c;
}

}  // namespace worldtune::world
