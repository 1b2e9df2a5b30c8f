/// \file A whole network as worldtune holds it once imported (from ONNX, src/onnx): tensors with
/// static shapes, constant tensors with their data, and nodes in execution order, each naming an
/// operator of the network op registry (net/op_registry.h). Free of ONNX and protobuf headers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace worldtune::net {

enum class DType { Float32, Int64 };

const char *dtype_name(DType t);

/// One tensor of the network: an input, a constant (initializer or Constant node) or a node's
/// output. Shapes are static: every extent is known and at least 1 (a scalar has none).
struct Value {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  bool constant = false;
  std::vector<float> floats;  ///< a Float32 constant's elements, row-major
  std::vector<int64_t> ints;  ///< an Int64 constant's elements, row-major

  int64_t elements() const;
};

/// A node attribute, typed as ONNX types it (tensor attributes become constant values).
struct Attribute {
  enum class Kind { Int, Float, String, Ints, Floats };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<double> floats;
};

struct Node {
  std::string name;          ///< the file's node name, or "#<index>" where it has none
  std::string op;            ///< ONNX op type, e.g. "Conv"
  std::vector<int> inputs;   ///< value indices; -1 for an optional input left out
  std::vector<int> outputs;  ///< value indices
  std::map<std::string, Attribute> attributes;

  bool has(const std::string &attribute) const { return attributes.count(attribute) > 0; }
  int64_t get_int(const std::string &attribute, int64_t fallback) const;
  double get_float(const std::string &attribute, double fallback) const;
  std::vector<int64_t> get_ints(const std::string &attribute,
                                std::vector<int64_t> fallback = {}) const;
  /// "node 'conv1' (Conv)": how errors name it.
  std::string label() const;
};

struct Graph {
  std::string source;  ///< the file it was imported from
  int64_t opset = 0;   ///< the default ONNX domain's opset version
  std::vector<Value> values;
  std::vector<Node> nodes;  ///< in an order that runs each after its inputs' producers
  std::vector<int> inputs;  ///< the network's inputs (not constants)
  std::vector<int> outputs;

  const Value &value(int index) const { return values.at(static_cast<size_t>(index)); }
  /// Nodes per op type, e.g. {"Conv": 20, "Relu": 17}.
  std::map<std::string, int> op_counts() const;
};

}  // namespace worldtune::net
