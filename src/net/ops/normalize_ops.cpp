/// \file Normalizations and reductions: BatchNormalization (inference: folded into the conv
/// before it), LayerNormalization, Softmax and ReduceMean (the decomposed LayerNorm's).
#include <cmath>
#include <functional>
#include <numeric>

#include "net/ops/net_ops.h"

namespace worldtune::net {

namespace {

/// "" when the node's `axis` attribute (default `fallback`) names the input's last axis.
std::string last_axis_only(const Node &n, const Graph &g, int64_t fallback) {
  const int64_t rank = input_rank(n, g, 0), axis = n.get_int("axis", fallback);
  if (axis == -1 || axis == rank - 1) return "";
  return "only over the last axis (axis -1 or " + std::to_string(rank - 1) + "), got axis " +
         std::to_string(axis);
}

HostTensor batch_norm(const Node &n, const std::vector<const HostTensor *> &in,
                      const std::vector<int64_t> &shape) {
  const double eps = n.get_float("epsilon", 1e-5);
  const int64_t channels = shape[1];
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); ++d) inner *= shape[d];
  HostTensor out{shape, in[0]->data};
  for (size_t i = 0; i < out.data.size(); ++i) {
    const size_t c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
    out.data[i] = static_cast<float>((out.data[i] - in[3]->data[c]) /
                                         std::sqrt(in[4]->data[c] + eps) * in[1]->data[c] +
                                     in[2]->data[c]);
  }
  return out;
}

/// `fn(row, length)` over each row of the last axis, in place.
template <typename Fn>
HostTensor per_row(const HostTensor &x, const std::vector<int64_t> &shape, Fn fn) {
  HostTensor out{shape, x.data};
  const int64_t len = shape.empty() ? 1 : shape.back();
  for (size_t at = 0; at < out.data.size(); at += static_cast<size_t>(len))
    fn(out.data.data() + at, len);
  return out;
}

HostTensor layer_norm(const Node &n, const std::vector<const HostTensor *> &in,
                      const std::vector<int64_t> &shape) {
  const double eps = n.get_float("epsilon", 1e-5);
  const HostTensor *beta = in.size() > 2 ? in[2] : nullptr;
  return per_row(*in[0], shape, [&](float *row, int64_t len) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < len; ++i) mean += row[i];
    mean /= static_cast<double>(len);
    for (int64_t i = 0; i < len; ++i) var += (row[i] - mean) * (row[i] - mean);
    const double scale = 1 / std::sqrt(var / static_cast<double>(len) + eps);
    for (int64_t i = 0; i < len; ++i)
      row[i] = static_cast<float>((row[i] - mean) * scale * in[1]->data[static_cast<size_t>(i)] +
                                  (beta ? beta->data[static_cast<size_t>(i)] : 0.0f));
  });
}

HostTensor softmax(const Node &, const std::vector<const HostTensor *> &in,
                   const std::vector<int64_t> &shape) {
  return per_row(*in[0], shape, [](float *row, int64_t len) {
    float top = row[0];
    for (int64_t i = 1; i < len; ++i) top = std::max(top, row[i]);
    double sum = 0;
    for (int64_t i = 0; i < len; ++i) sum += std::exp(static_cast<double>(row[i] - top));
    for (int64_t i = 0; i < len; ++i)
      row[i] = static_cast<float>(std::exp(static_cast<double>(row[i] - top)) / sum);
  });
}

/// The mean over `axes` (all when none): each input element adds to the output element its
/// index maps to with the reduced axes' steps 0.
HostTensor reduce_mean(const Node &n, const std::vector<const HostTensor *> &in,
                       const std::vector<int64_t> &shape) {
  const std::vector<int64_t> &in_shape = in[0]->shape;
  const int64_t rank = static_cast<int64_t>(in_shape.size());
  std::vector<bool> reduced(static_cast<size_t>(rank), !n.has("axes"));
  for (int64_t a : n.get_ints("axes")) reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  std::vector<int64_t> kept;  // the output's shape with every reduced axis kept as 1
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    kept.push_back(reduced[static_cast<size_t>(d)] ? 1 : in_shape[static_cast<size_t>(d)]);
    if (reduced[static_cast<size_t>(d)]) count *= in_shape[static_cast<size_t>(d)];
  }
  std::vector<int64_t> step = strides_of(kept);
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[static_cast<size_t>(d)]) step[static_cast<size_t>(d)] = 0;
  std::vector<int64_t> target = strided_indices(in_shape, step);
  std::vector<double> sums(static_cast<size_t>(std::accumulate(kept.begin(), kept.end(), int64_t{1},
                                                               std::multiplies<int64_t>())),
                           0.0);
  for (size_t i = 0; i < target.size(); ++i) sums[static_cast<size_t>(target[i])] += in[0]->data[i];
  HostTensor out{shape, {}};
  for (double s : sums) out.data.push_back(static_cast<float>(s / static_cast<double>(count)));
  return out;
}

}  // namespace

void register_normalize_ops(NetOpRegistry &r) {
  r.add({"BatchNormalization",
         5,
         5,
         1,
         {any_float("epsilon"), any_float("momentum"), int_in("training_mode", {0}),
          int_in("spatial", {1})},
         [](const Node &n, const Graph &g) { return needs_constants(n, g, 1); },
         batch_norm});
  r.add({"LayerNormalization",
         2,
         3,
         1,
         {any_int("axis"), any_float("epsilon"), int_in("stash_type", {1})},
         [](const Node &n, const Graph &g) {
           std::string why = last_axis_only(n, g, -1);
           return why.empty() ? needs_constants(n, g, 1) : why;
         },
         layer_norm});
  r.add({"Softmax",
         1,
         1,
         1,
         {any_int("axis")},
         [](const Node &n, const Graph &g) { return last_axis_only(n, g, -1); },
         softmax});
  r.add({"ReduceMean",
         1,
         1,
         1,
         {any_ints("axes"), int_in("keepdims", {0, 1})},
         nullptr,
         reduce_mean});
}

}  // namespace worldtune::net
