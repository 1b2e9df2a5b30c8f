/// \file Reading and writing the shared header of saved model files.
#include "cost_model/model_file.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "support/settings_file.h"
#include "worldtune/error.h"
#include "worldtune/measure_result.h"

namespace worldtune::cost_model {

CostModelOptions with_defaults(CostModelOptions options,
                               const std::vector<ModelOptionSpec> &specs) {
  for (const ModelOptionSpec &s : specs)
    if (!options.values.contains(s.name))
      options.values[s.name] = s.default_value, options.defaulted.push_back(s.name);
  return options;
}

std::vector<float> normalized_throughput(const std::vector<std::string> &groups,
                                         const std::vector<double> &costs) {
  std::map<std::string, double> min_cost;
  for (size_t i = 0; i < costs.size(); ++i) {
    auto [it, inserted] = min_cost.emplace(groups[i], costs[i]);
    if (!inserted) it->second = std::min(it->second, costs[i]);
  }
  std::vector<float> out;
  for (size_t i = 0; i < costs.size(); ++i)  // a failure is 0 even where nothing succeeded
    out.push_back(costs[i] >= kFailedCost ? 0.0f
                                          : static_cast<float>(min_cost[groups[i]] / costs[i]));
  return out;
}

nlohmann::json read_model_file(const std::string &path, const std::string &expected_model) {
  std::ifstream in(path);
  WT_USER_CHECK(in.good(), BadModel, "cannot open model file " << path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  WT_USER_CHECK(!j.is_discarded() && j.is_object(), BadModel,
                path << ": not a worldtune model file (corrupt or not JSON)");
  // Fields are compared as JSON values: a field of the wrong type is a mismatch, not a crash.
  auto field = [&](const char *name) { return j.contains(name) ? j[name] : nlohmann::json(); };
  WT_USER_CHECK(field("format") == kModelFormat, BadModel,
                path << ": model file format " << field("format").dump() << ", this build reads '"
                     << kModelFormat << "'");
  WT_USER_CHECK(
      expected_model.empty() || field("model") == expected_model, BadModel,
      path << ": holds a " << field("model").dump() << " model, not '" << expected_model << "'");
  return j;
}

void write_model_file(const std::string &path, const nlohmann::json &j) {
  write_json_file(path, j);
}

}  // namespace worldtune::cost_model
