/// \file Workload keys: parsing, validation, canonical form, and the global operator registry.
#include "ir/workload.h"

#include <cctype>

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
  return def.name + ":" + join_mapped(def.params, ",", [&](const ParamSpec &p) {
           return p.name + "=" + std::to_string(params.at(p.name));
         });
}

Workload WorkloadRegistry::parse(const std::string &raw_key) const {
  std::string key = trim(raw_key);
  size_t colon = key.find(':');
  std::string name = trim(key.substr(0, colon));
  const OpDefinition *def = find(name);
  WT_USER_CHECK(def != nullptr, BadWorkload,
                "unknown operator '"
                    << name << "' in workload key '" << raw_key << "'; known operators: "
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
                    "field '" << field << "' of workload key '" << raw_key
                              << "' is not of the form NAME=VALUE");
      std::string fname = trim(field.substr(0, eq)), fval = trim(field.substr(eq + 1));
      const ParamSpec *spec = nullptr;
      for (const ParamSpec &p : def->params)
        if (p.name == fname) spec = &p;
      WT_USER_CHECK(spec != nullptr, BadWorkload,
                    "unknown field '"
                        << fname << "' for operator " << name << " (fields: "
                        << join_mapped(def->params, ",", [](const ParamSpec &p) { return p.name; })
                        << ")");
      WT_USER_CHECK(!given[fname], BadWorkload, "field '" << fname << "' given twice");
      given[fname] = true;
      bool numeric = !fval.empty() && fval.size() < 12;
      for (char c : fval) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
      WT_USER_CHECK(
          numeric, BadWorkload,
          "field '" << fname << "' of " << name << " must be an integer, got '" << fval << "'");
      int64_t v = std::stoll(fval);
      WT_USER_CHECK(v >= spec->min_value, BadWorkload,
                    "field '" << fname << "' of " << name << " must be >= " << spec->min_value
                              << ", got " << v);
      params[fname] = v;
    }
  }
  Workload w;
  w.op_name = name;
  w.params = params;
  w.key = canonical_key(*def, params);
  ComputeDAG dag = def->build(params);
  dag.set_workload_key(w.key);
  w.dag = std::make_shared<const ComputeDAG>(std::move(dag));
  return w;
}

Workload parse_workload(const std::string &key) { return WorkloadRegistry::global().parse(key); }

}  // namespace worldtune::ir
