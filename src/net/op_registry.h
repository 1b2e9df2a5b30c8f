/// \file The network operators worldtune imports: one entry per ONNX op type, with the inputs,
/// outputs and attributes it accepts and a check of the node's shapes. A node the table refuses
/// is a clear error naming the node, the op and what is wrong, at import.
///
/// How to add an operator: add its entry in the family's file `src/net/ops/<family>.cpp` (or a
/// new family file with a `register_<family>_ops(NetOpRegistry &)` declared in
/// `src/net/ops/net_ops.h`, called from `NetOpRegistry::global()` and listed in
/// `src/net/CMakeLists.txt`).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "net/graph.h"
#include "net/reference.h"

namespace worldtune::net {

/// One attribute a node may carry; `check` says why a value is refused ("" when it is fine).
struct AttributeRule {
  std::string name;
  Attribute::Kind kind;
  std::function<std::string(const Attribute &)> check;  ///< null: any value of the kind
};

/// A node's output computed from its inputs (null for an optional input left out), of the shape
/// shape inference gave it: the op's reference semantics (net/reference.h).
using EvalFn = std::function<HostTensor(const Node &, const std::vector<const HostTensor *> &,
                                        const std::vector<int64_t> &out_shape)>;

struct NetOpDefinition {
  std::string op;  ///< ONNX op type (default domain)
  int min_inputs = 1;
  int max_inputs = 1;
  int max_outputs = 1;  ///< outputs a node may name (optional ones after them are refused)
  std::vector<AttributeRule> attributes;  ///< any other attribute is refused
  /// The node with its shapes known: "" when supported, else why not (e.g. "only 2-D").
  std::function<std::string(const Node &, const Graph &)> check;
  EvalFn eval;
};

class NetOpRegistry {
 public:
  static const NetOpRegistry &global();

  void add(NetOpDefinition def);
  const NetOpDefinition *find(const std::string &op) const;
  /// The supported op types, sorted.
  std::vector<std::string> names() const;

 private:
  std::vector<NetOpDefinition> ops_;
};

/// Throws UserError(BadNetwork) naming the graph's file, the node and its op when the node is not
/// supported as it stands (unknown op, inputs or outputs out of range, an attribute or shape the
/// entry refuses).
void check_supported(const Node &node, const Graph &graph);

// Attribute rules the families share.
AttributeRule any_int(const std::string &name);
AttributeRule int_in(const std::string &name, std::set<int64_t> allowed);
AttributeRule any_float(const std::string &name);
AttributeRule any_ints(const std::string &name);
AttributeRule string_in(const std::string &name, std::set<std::string> allowed);

/// The rank of the node's input `i` (-1 when absent).
int input_rank(const Node &node, const Graph &graph, size_t i);

}  // namespace worldtune::net
