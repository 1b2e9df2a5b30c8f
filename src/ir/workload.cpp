/// \file Workload keys: parsing, validation, canonical form, and the global operator registry.
#include "ir/workload.h"

#include <cctype>
#include <charconv>

#include "ir/ops/ops.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::ir {

const WorkloadRegistry &WorkloadRegistry::global() {
  static const WorkloadRegistry registry = [] {
    WorkloadRegistry r;
    register_matmul(r);
    register_batch_matmul(r);
    register_dense(r);
    register_conv1d(r);
    register_conv2d(r);
    register_depthwise_conv2d(r);
    register_conv2d_transpose(r);
    register_conv3d(r);
    register_norm(r);
    register_softmax(r);
    register_layer_norm(r);
    register_transpose_batch_matmul(r);
    register_fused_conv2d(r);
    register_fused_matmul(r);
    register_fused_pool(r);
    register_fused_normalize(r);
    register_fused_elementwise(r);
    return r;
  }();
  return registry;
}

void WorkloadRegistry::add(OpDefinition def) {
  WT_ASSERT(find(def.name) == nullptr, "operator " << def.name << " registered twice");
  ops_.push_back(std::move(def));
}

const OpDefinition *WorkloadRegistry::find(const std::string &name) const {
  for (const OpDefinition &d : ops_)
    if (d.name == name) return &d;
  return nullptr;
}

std::string WorkloadRegistry::canonical_key(const OpDefinition &def, const ParamMap &params) {
  std::vector<std::string> fields;
  for (const ParamSpec &p : def.params) {
    const int64_t v = params.at(p.name);
    if (p.keyed_at_default || v != p.default_value)
      fields.push_back(p.name + "=" + std::to_string(v));
  }
  return def.name + ":" + join_mapped(fields, ",", [](const std::string &f) { return f; });
}

namespace {

/// The value of field `spec` of `op` given as `text`, in the spec's range.
int64_t parse_field(const ParamSpec &spec, const std::string &op, const std::string &text) {
  size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  bool numeric = text.size() > sign;
  for (size_t i = sign; i < text.size(); ++i)
    numeric = numeric && std::isdigit(static_cast<unsigned char>(text[i]));
  WT_USER_CHECK(numeric, BadWorkload,
                "field '" << spec.name << "' of " << op << " must be an integer, got '"
                          << quote_cut(text) << "'");
  int64_t v = 0;
  const char *first = text.data() + (text[0] == '+' ? 1 : 0), *last = text.data() + text.size();
  bool in_range = std::from_chars(first, last, v).ec == std::errc() && v >= spec.min_value &&
                  v <= spec.max_value;
  WT_USER_CHECK(in_range, BadWorkload,
                "field '" << spec.name << "' of " << op << " is out of range: got "
                          << quote_cut(text) << ", must be in [" << spec.min_value << ", "
                          << spec.max_value << "]");
  return v;
}

/// Refuses a DAG Halide cannot index: checked on every operator's result, so a new operator's
/// shape arithmetic (an output extent of 0, an intermediate too large) is caught for free.
void check_extents(const ComputeDAG &dag, const std::string &key) {
  for (const Op &op : dag.ops()) {
    int64_t elements = 1;
    for (const std::vector<Axis> *axes : {&op.axes, &op.reduce_axes})
      for (const Axis &a : *axes)
        WT_USER_CHECK(a.extent >= 1 && a.extent < kExtentLimit, BadWorkload,
                      key << ": axis '" << a.name << "' of " << op.name << " would have extent "
                          << a.extent << "; extents must be in [1, " << kExtentLimit - 1 << "]");
    for (const Axis &a : op.axes) {
      WT_USER_CHECK(elements <= (kExtentLimit - 1) / a.extent, BadWorkload,
                    key << ": tensor " << op.name << " would have more than " << kExtentLimit - 1
                        << " elements (Halide indexes with int32)");
      elements *= a.extent;
    }
  }
}

}  // namespace

Workload WorkloadRegistry::parse(const std::string &raw_key) const {
  std::string key = trim(raw_key);
  size_t colon = key.find(':');
  std::string name = trim(key.substr(0, colon));
  const OpDefinition *def = find(name);
  WT_USER_CHECK(def != nullptr, BadWorkload,
                "unknown operator '"
                    << quote_cut(name) << "' in workload key '" << quote_cut(raw_key)
                    << "'; known operators: "
                    << join_mapped(ops_, ", ", [](const OpDefinition &d) { return d.name; })
                    << " (see `worldtune workloads`)");
  ParamMap params;
  for (const ParamSpec &p : def->params) params[p.name] = p.default_value;
  if (colon != std::string::npos && !trim(key.substr(colon + 1)).empty()) {
    std::map<std::string, bool> given;
    for (const std::string &field_raw : split_string(key.substr(colon + 1), ',')) {
      std::string field = trim(field_raw);
      size_t eq = field.find('=');
      WT_USER_CHECK(eq != std::string::npos, BadWorkload,
                    "field '" << quote_cut(field) << "' of workload key '" << quote_cut(raw_key)
                              << "' is not of the form NAME=VALUE");
      std::string fname = trim(field.substr(0, eq)), fval = trim(field.substr(eq + 1));
      const ParamSpec *spec = nullptr;
      for (const ParamSpec &p : def->params)
        if (p.name == fname) spec = &p;
      WT_USER_CHECK(spec != nullptr, BadWorkload,
                    "unknown field '"
                        << quote_cut(fname) << "' for operator " << name << " (fields: "
                        << join_mapped(def->params, ",", [](const ParamSpec &p) { return p.name; })
                        << ")");
      WT_USER_CHECK(!given[fname], BadWorkload, "field '" << fname << "' given twice");
      given[fname] = true;
      params[fname] = parse_field(*spec, name, fval);
    }
  }
  Workload w;
  w.op_name = name;
  w.params = params;
  w.key = canonical_key(*def, params);
  ComputeDAG dag = def->build(params);
  check_extents(dag, w.key);
  dag.set_workload_key(w.key);
  w.dag = std::make_shared<const ComputeDAG>(std::move(dag));
  return w;
}

Workload parse_workload(const std::string &key) { return WorkloadRegistry::global().parse(key); }

std::string workload_slug(const std::string &key) {
  std::string s = key;
  for (char &ch : s)
    if (ch == ':' || ch == '=' || ch == ',') ch = '_';
  return s;
}

}  // namespace worldtune::ir
