/// \file Model construction by name and the shared model-file header checks.
#include "cost_model/cost_model_registry.h"

#include <cstdio>
#include <fstream>

#include "cost_model/random_model.h"
#include "cost_model/xgb_model.h"
#include "worldtune/error.h"

namespace worldtune::cost_model {

const std::vector<std::string> &cost_model_names() {
  static const std::vector<std::string> names = {"random", "xgb"};
  return names;
}

std::unique_ptr<search::CostModel> make_cost_model(const std::string &name,
                                                   const CostModelOptions &options) {
  if (name == "random") return std::make_unique<RandomModel>(options.seed);
  if (name == "xgb") return std::make_unique<XgbModel>(options);
  std::string known;
  for (const std::string &n : cost_model_names()) known += (known.empty() ? "" : ", ") + n;
  WT_USER_CHECK(false, BadArgument, "unknown cost model '" << name << "' (known: " << known << ")");
  return nullptr;
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
      field("model") == expected_model, BadModel,
      path << ": holds a " << field("model").dump() << " model, not '" << expected_model << "'");
  return j;
}

void write_model_file(const std::string &path, const nlohmann::json &j) {
  // Write then rename, so a kill never leaves half a model behind.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    WT_USER_CHECK(out.good(), Io, "cannot write model file " << path);
    out << j.dump() << "\n";
    WT_USER_CHECK(out.good(), Io, "cannot write model file " << path);
  }
  WT_USER_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, Io,
                "cannot write model file " << path);
}

}  // namespace worldtune::cost_model
