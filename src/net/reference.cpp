/// \file Running a network graph with each operator's reference evaluation.
#include "net/reference.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "net/op_registry.h"
#include "worldtune/error.h"

namespace worldtune::net {

std::vector<int64_t> strides_of(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::vector<int64_t> strided_indices(const std::vector<int64_t> &out_shape,
                                     const std::vector<int64_t> &step) {
  const size_t rank = out_shape.size();
  int64_t total = 1;
  for (int64_t e : out_shape) total *= e;
  std::vector<int64_t> out(static_cast<size_t>(total)), index(rank, 0);
  int64_t at = 0;
  for (int64_t i = 0; i < total; ++i) {
    out[static_cast<size_t>(i)] = at;
    for (size_t d = rank; d-- > 0;) {  // odometer: the last axis fastest
      at += step[d];
      if (++index[d] < out_shape[d]) break;
      at -= step[d] * out_shape[d], index[d] = 0;
    }
  }
  return out;
}

std::vector<int64_t> broadcast_indices(const std::vector<int64_t> &out_shape,
                                       const std::vector<int64_t> &in_shape) {
  const size_t rank = out_shape.size(), offset = rank - in_shape.size();
  WT_ASSERT(in_shape.size() <= rank, "broadcast of rank " << in_shape.size() << " to " << rank);
  std::vector<int64_t> in_strides = strides_of(in_shape), step(rank, 0);
  for (size_t d = offset; d < rank; ++d)
    step[d] = in_shape[d - offset] == 1 ? 0 : in_strides[d - offset];
  return strided_indices(out_shape, step);
}

namespace {

HostTensor json_tensor(const nlohmann::json &j, const std::string &path, const char *key) {
  try {
    const nlohmann::json &t = j.at(key);
    return {t.at("shape").get<std::vector<int64_t>>(), t.at("data").get<std::vector<float>>()};
  } catch (const std::exception &) {
    throw UserError(ErrorKind::BadArgument,
                    path + ": needs '" + key + "' as {\"shape\": [...], \"data\": [...]}");
  }
}

}  // namespace

IoExample read_io_example(const std::string &path) {
  std::ifstream in(path);
  WT_USER_CHECK(in.good(), Io, "cannot open " << path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  WT_USER_CHECK(!j.is_discarded(), BadArgument, path << ": not JSON");
  return {json_tensor(j, path, "input"), json_tensor(j, path, "output")};
}

double max_abs_difference(const HostTensor &a, const HostTensor &b) {
  WT_ASSERT(a.data.size() == b.data.size(), "comparing tensors of different sizes");
  double worst = 0;
  for (size_t i = 0; i < a.data.size(); ++i)
    worst = std::max(worst, std::fabs(double(a.data[i]) - b.data[i]));
  return worst;
}

namespace {

HostTensor constant_tensor(const Value &v) {
  HostTensor t{v.shape, v.floats};
  if (v.dtype == DType::Int64) t.data.assign(v.ints.begin(), v.ints.end());
  return t;
}

}  // namespace

std::vector<HostTensor> run_reference(const Graph &graph, const std::vector<HostTensor> &inputs) {
  WT_USER_CHECK(inputs.size() == graph.inputs.size(), BadArgument,
                "the network takes " << graph.inputs.size() << " inputs, got " << inputs.size());
  std::vector<HostTensor> values(graph.values.size());
  for (size_t i = 0; i < graph.values.size(); ++i)
    if (graph.values[i].constant) values[i] = constant_tensor(graph.values[i]);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value &v = graph.value(graph.inputs[i]);
    WT_USER_CHECK(
        inputs[i].shape == v.shape && static_cast<int64_t>(inputs[i].data.size()) == v.elements(),
        BadArgument, "input '" << v.name << "' has the wrong shape or size");
    values[static_cast<size_t>(graph.inputs[i])] = inputs[i];
  }
  for (const Node &n : graph.nodes) {
    std::vector<const HostTensor *> ins;
    for (int i : n.inputs) ins.push_back(i < 0 ? nullptr : &values[static_cast<size_t>(i)]);
    const NetOpDefinition *def = NetOpRegistry::global().find(n.op);
    WT_ASSERT(def != nullptr && def->eval, "no reference evaluation of " << n.op);
    values[static_cast<size_t>(n.outputs[0])] = def->eval(n, ins, graph.value(n.outputs[0]).shape);
  }
  std::vector<HostTensor> out;
  for (int o : graph.outputs) out.push_back(values[static_cast<size_t>(o)]);
  return out;
}

}  // namespace worldtune::net
