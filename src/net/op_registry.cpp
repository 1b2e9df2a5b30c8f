/// \file The network op table and the import-time check of a node against it.
#include "net/op_registry.h"

#include <algorithm>

#include "net/ops/net_ops.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::net {

namespace {

const auto kSame = [](const auto &x) { return x; };

const char *kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::Int:
      return "an integer";
    case Attribute::Kind::Float:
      return "a float";
    case Attribute::Kind::String:
      return "a string";
    case Attribute::Kind::Ints:
      return "a list of integers";
    case Attribute::Kind::Floats:
      return "a list of floats";
  }
  return "unknown";
}

std::string where(const Node &node, const Graph &graph) {
  return graph.source + ": " + node.label();
}

void check_attributes(const Node &node, const Graph &graph, const NetOpDefinition &def) {
  for (const auto &[name, value] : node.attributes) {
    auto rule = std::find_if(def.attributes.begin(), def.attributes.end(),
                             [&](const AttributeRule &r) { return r.name == name; });
    WT_USER_CHECK(rule != def.attributes.end(), BadNetwork,
                  where(node, graph) << ": attribute '" << quote_cut(name) << "' is not supported");
    WT_USER_CHECK(value.kind == rule->kind, BadNetwork,
                  where(node, graph)
                      << ": attribute '" << name << "' must be " << kind_name(rule->kind));
    std::string why = rule->check ? rule->check(value) : "";
    WT_USER_CHECK(why.empty(), BadNetwork,
                  where(node, graph) << ": attribute '" << name << "' " << why);
  }
}

}  // namespace

const NetOpRegistry &NetOpRegistry::global() {
  static const NetOpRegistry registry = [] {
    NetOpRegistry r;
    register_conv_ops(r);
    register_pool_ops(r);
    register_matmul_ops(r);
    register_elementwise_ops(r);
    register_normalize_ops(r);
    register_layout_ops(r);
    return r;
  }();
  return registry;
}

void NetOpRegistry::add(NetOpDefinition def) {
  WT_ASSERT(find(def.op) == nullptr, "network op " << def.op << " registered twice");
  ops_.push_back(std::move(def));
}

const NetOpDefinition *NetOpRegistry::find(const std::string &op) const {
  for (const NetOpDefinition &d : ops_)
    if (d.op == op) return &d;
  return nullptr;
}

std::vector<std::string> NetOpRegistry::names() const {
  std::vector<std::string> names;
  for (const NetOpDefinition &d : ops_) names.push_back(d.op);
  std::sort(names.begin(), names.end());
  return names;
}

void check_supported(const Node &node, const Graph &graph) {
  const NetOpDefinition *def = NetOpRegistry::global().find(node.op);
  WT_USER_CHECK(def != nullptr, BadNetwork,
                where(node, graph)
                    << ": operator '" << quote_cut(node.op) << "' is not supported (supported: "
                    << join_mapped(NetOpRegistry::global().names(), ", ", kSame) << ")");
  const int inputs = static_cast<int>(node.inputs.size());
  WT_USER_CHECK(inputs >= def->min_inputs && inputs <= def->max_inputs, BadNetwork,
                where(node, graph) << ": takes " << def->min_inputs << " to " << def->max_inputs
                                   << " inputs, got " << inputs);
  WT_USER_CHECK(static_cast<int>(node.outputs.size()) <= def->max_outputs, BadNetwork,
                where(node, graph)
                    << ": only its first " << def->max_outputs
                    << " output(s) are supported, the network uses " << node.outputs.size());
  check_attributes(node, graph, *def);
  std::string why = def->check ? def->check(node, graph) : "";
  WT_USER_CHECK(why.empty(), BadNetwork, where(node, graph) << ": " << why);
}

AttributeRule any_int(const std::string &name) { return {name, Attribute::Kind::Int, nullptr}; }

AttributeRule int_in(const std::string &name, std::set<int64_t> allowed) {
  return {name, Attribute::Kind::Int, [allowed](const Attribute &a) {
            if (allowed.count(a.i)) return std::string();
            return std::to_string(a.i) +
                   " is not supported (supported: " + join_mapped(allowed, ", ", kSame) + ")";
          }};
}

AttributeRule any_float(const std::string &name) { return {name, Attribute::Kind::Float, nullptr}; }

AttributeRule any_ints(const std::string &name) { return {name, Attribute::Kind::Ints, nullptr}; }

AttributeRule string_in(const std::string &name, std::set<std::string> allowed) {
  return {name, Attribute::Kind::String, [allowed](const Attribute &a) {
            if (allowed.count(a.s)) return std::string();
            return "'" + quote_cut(a.s) +
                   "' is not supported (supported: " + join_mapped(allowed, ", ", kSame) + ")";
          }};
}

int input_rank(const Node &node, const Graph &graph, size_t i) {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return -1;
  return static_cast<int>(graph.value(node.inputs[i]).shape.size());
}

}  // namespace worldtune::net
