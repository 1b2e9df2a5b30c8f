/// \file Strided views of the partitioner's buffers.
#include "partition/view.h"

#include <algorithm>
#include <numeric>

#include "worldtune/error.h"

namespace worldtune::partition {

std::vector<int64_t> dense_strides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::vector<int64_t> permuted(const std::vector<int64_t> &shape, const std::vector<int> &order) {
  std::vector<int64_t> out;
  for (int a : order) out.push_back(shape[static_cast<size_t>(a)]);
  return out;
}

View View::dense(int buffer, std::vector<int64_t> shape) {
  std::vector<int64_t> strides = dense_strides(shape);
  return {buffer, std::move(shape), std::move(strides)};
}

View View::stored(int buffer, std::vector<int64_t> shape, const std::vector<int> &order) {
  std::vector<int64_t> inner = dense_strides(permuted(shape, order));
  std::vector<int64_t> strides(shape.size());
  for (size_t k = 0; k < order.size(); ++k) strides[static_cast<size_t>(order[k])] = inner[k];
  return {buffer, std::move(shape), std::move(strides)};
}

int64_t View::elements() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

std::optional<std::vector<int>> View::storage_order() const {
  std::vector<int> order, units;
  for (size_t a = 0; a < shape.size(); ++a)
    (shape[a] == 1 ? units : order).push_back(static_cast<int>(a));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return strides[static_cast<size_t>(a)] > strides[static_cast<size_t>(b)];
  });
  order.insert(order.end(), units.begin(), units.end());
  View want = stored(buffer, shape, order);
  for (size_t a = 0; a < shape.size(); ++a)
    if (shape[a] != 1 && want.strides[a] != strides[a]) return std::nullopt;
  return order;
}

bool View::is_dense() const {
  std::vector<int64_t> want = dense_strides(shape);
  for (size_t a = 0; a < shape.size(); ++a)
    if (shape[a] != 1 && want[a] != strides[a]) return false;
  return true;
}

View View::transposed(const std::vector<int64_t> &perm) const {
  View out{buffer, {}, {}};
  for (int64_t p : perm) {
    out.shape.push_back(shape[static_cast<size_t>(p)]);
    out.strides.push_back(strides[static_cast<size_t>(p)]);
  }
  return out;
}

std::optional<View> View::reshaped(const std::vector<int64_t> &to) const {
  WT_ASSERT((View{buffer, to, {}}.elements() == elements()), "a reshape that changes the count");
  // numpy's attempt_nocopy_reshape: group old and new axes into runs of equal element counts;
  // each old run must be contiguous, and the new run takes its strides from its innermost axis.
  std::vector<int64_t> old_shape, old_strides;
  for (size_t a = 0; a < shape.size(); ++a)
    if (shape[a] != 1) {
      old_shape.push_back(shape[a]);
      old_strides.push_back(strides[a]);
    }
  std::vector<int64_t> new_shape, new_strides;
  for (int64_t d : to)
    if (d != 1) new_shape.push_back(d);
  new_strides.resize(new_shape.size());
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < new_shape.size() && oi < old_shape.size()) {
    int64_t np = new_shape[ni], op = old_shape[oi];
    while (np != op) {
      if (np < op)
        np *= new_shape[nj++];
      else
        op *= old_shape[oj++];
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (old_strides[k] != old_shape[k + 1] * old_strides[k + 1]) return std::nullopt;
    new_strides[nj - 1] = old_strides[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) new_strides[k - 1] = new_strides[k] * new_shape[k];
    ni = nj++;
    oi = oj++;
  }
  View out{buffer, to, std::vector<int64_t>(to.size(), 1)};
  for (size_t a = 0, k = 0; a < to.size(); ++a)
    if (to[a] != 1) out.strides[a] = new_strides[k++];
  return out;
}

}  // namespace worldtune::partition
