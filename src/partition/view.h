/// \file How the partitioner sees a network value: a buffer read through strides. Reshape,
/// Flatten and Transpose only change the view, never the data; a kernel that needs its operand
/// laid out otherwise gets a copy (a fused_elementwise call). A conv's NCHW output, stored NHWC,
/// is such a view.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace worldtune::partition {

struct View {
  int buffer = -1;
  std::vector<int64_t> shape;    ///< the value's (ONNX) shape
  std::vector<int64_t> strides;  ///< buffer elements per step along each axis

  /// The row-major view of a whole buffer of `shape`.
  static View dense(int buffer, std::vector<int64_t> shape);
  /// The view of axes `shape` stored in the order `order` (order[k]: the axis stored k-th), as a
  /// dense buffer of that permuted shape.
  static View stored(int buffer, std::vector<int64_t> shape, const std::vector<int> &order);

  int64_t elements() const;
  /// The order the axes are stored in (outermost first) when the view is a permutation of a
  /// dense buffer of its element count; nullopt otherwise.
  std::optional<std::vector<int>> storage_order() const;
  /// Whether the view reads its buffer row-major in its own axis order.
  bool is_dense() const;
  View transposed(const std::vector<int64_t> &perm) const;
  /// The same elements under `shape` without a copy, when the strides allow it (numpy's rule).
  std::optional<View> reshaped(const std::vector<int64_t> &shape) const;
};

/// Row-major strides of `shape`.
std::vector<int64_t> dense_strides(const std::vector<int64_t> &shape);
/// `shape` with its axes in `order`.
std::vector<int64_t> permuted(const std::vector<int64_t> &shape, const std::vector<int> &order);

}  // namespace worldtune::partition
