/// \file The reference evaluation of a network graph: plain loops per operator, row-major float
/// tensors, the shapes shape inference gave. Slow and simple on purpose: it checks the import
/// against PyTorch's outputs and, later, compiled networks against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/graph.h"

namespace worldtune::net {

struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  ///< row-major
};

/// An input and the output a framework computed for it (scripts/make_onnx_models.py's
/// FILE.io.json: {"input": {"shape", "data"}, "output": {"shape", "data"}}).
struct IoExample {
  HostTensor input, output;
};
/// Reads one; throws UserError (Io, BadArgument) naming the file and what is wrong.
IoExample read_io_example(const std::string &path);
/// The largest |a - b| over their elements (of the same count).
double max_abs_difference(const HostTensor &a, const HostTensor &b);

/// Runs `graph` on `inputs` (one per graph input, in order, of the input's shape) and returns its
/// outputs. Throws UserError(BadArgument) naming an input of the wrong shape.
std::vector<HostTensor> run_reference(const Graph &graph, const std::vector<HostTensor> &inputs);

// Helpers of the operator families' evaluations.

/// Row-major strides of `shape`.
std::vector<int64_t> strides_of(const std::vector<int64_t> &shape);
/// For each element of `out_shape` (row-major), sum over axes of its index times `step`: the
/// element a view with those steps reads there (a transpose permutes the input's strides).
std::vector<int64_t> strided_indices(const std::vector<int64_t> &out_shape,
                                     const std::vector<int64_t> &step);
/// For each element of `out_shape`, the index of the element of `in_shape` that numpy-style
/// broadcasting reads there.
std::vector<int64_t> broadcast_indices(const std::vector<int64_t> &out_shape,
                                       const std::vector<int64_t> &in_shape);
/// `fn(a, b)` elementwise with broadcasting to `out_shape`.
template <typename Fn>
HostTensor broadcast_binary(const HostTensor &a, const HostTensor &b,
                            const std::vector<int64_t> &out_shape, Fn fn) {
  std::vector<int64_t> ia = broadcast_indices(out_shape, a.shape),
                       ib = broadcast_indices(out_shape, b.shape);
  HostTensor out{out_shape, std::vector<float>(ia.size())};
  for (size_t i = 0; i < ia.size(); ++i)
    out.data[i] = fn(a.data[static_cast<size_t>(ia[i])], b.data[static_cast<size_t>(ib[i])]);
  return out;
}

}  // namespace worldtune::net
