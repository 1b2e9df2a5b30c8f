/// \file Small accessors of the network graph.
#include "net/graph.h"

namespace worldtune::net {

const char *dtype_name(DType t) {
  switch (t) {
    case DType::Float32:
      return "float32";
    case DType::Int64:
      return "int64";
  }
  return "unknown";
}

int64_t Value::elements() const {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return n;
}

int64_t Node::get_int(const std::string &attribute, int64_t fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? fallback : it->second.i;
}

double Node::get_float(const std::string &attribute, double fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? fallback : it->second.f;
}

std::vector<int64_t> Node::get_ints(const std::string &attribute,
                                    std::vector<int64_t> fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() ? fallback : it->second.ints;
}

std::string Node::label() const { return "node '" + name + "' (" + op + ")"; }

std::map<std::string, int> Graph::op_counts() const {
  std::map<std::string, int> counts;
  for (const Node &n : nodes) ++counts[n.op];
  return counts;
}

}  // namespace worldtune::net
