/// \file The table of cost models, option checking and the shared model-file header.
#include "cost_model/cost_model_registry.h"

#include "cost_model/random_model.h"
#include "cost_model/xgb_model.h"
#include "support/settings_file.h"
#include "support/strings.h"
#include "world/sequence_model.h"
#include "worldtune/error.h"

namespace worldtune::cost_model {

const std::vector<CostModelEntry> &cost_model_table() {
  static const std::vector<CostModelEntry> table = {
      {"random",
       "uniform random scores (Ansor's RandomModel): the search's baseline",
       {},
       [](const CostModelOptions &o) { return std::make_unique<RandomModel>(o.seed); }},
      {"xgb",
       "XGBoost on Ansor's per-store features, pack-sum loss (Ansor's XGBModel); "
       "pretrainable with `worldtune train`",
       xgb_option_specs(), [](const CostModelOptions &o) { return std::make_unique<XgbModel>(o); }},
      {"world",
       "latent world model: the initial program encoded once, each candidate's steps rolled "
       "through a learned transition, ranked from the final latents (libtorch); shipped "
       "pretrained (online fine-tuning optional)",
       world::world_option_specs(),
       [](const CostModelOptions &o) {
         return std::make_unique<world::SequenceModel>("world", world::world_option_specs(), o);
       },
       [](const CostModelOptions &o) { return world::shipped_weights("world", o); }},
      {"tlp",
       "TLP-style sequence baseline: self-attention over the same step tokens, no latent state "
       "or transition (Zhai et al. 2023); same encoder, head, corpus and training as world",
       world::tlp_option_specs(),
       [](const CostModelOptions &o) {
         return std::make_unique<world::SequenceModel>("tlp", world::tlp_option_specs(), o);
       },
       [](const CostModelOptions &o) { return world::shipped_weights("tlp", o); }},
  };
  return table;
}

std::vector<std::string> cost_model_names() {
  std::vector<std::string> names;
  for (const CostModelEntry &e : cost_model_table()) names.push_back(e.name);
  return names;
}

const CostModelEntry &find_cost_model(const std::string &name) {
  for (const CostModelEntry &e : cost_model_table())
    if (e.name == name) return e;
  throw UserError(
      ErrorKind::BadArgument,
      "unknown cost model '" + quote_cut(name) + "' (known: " +
          join_mapped(cost_model_names(), ", ", [](const std::string &n) { return n; }) + ")");
}

namespace {

const char *type_name(OptionType t) {
  switch (t) {
    case OptionType::Int:
      return "an integer";
    case OptionType::Double:
      return "a number";
    case OptionType::Bool:
      return "true or false";
  }
  return "?";
}

/// `text` as a value of type `t`, or null when it is not one.
nlohmann::json parse_value(OptionType t, const std::string &text) {
  nlohmann::json v = nlohmann::json::parse(text, nullptr, false);
  if (t == OptionType::Bool && (text == "1" || text == "0")) return text == "1";
  bool fits = (t == OptionType::Int && v.is_number_integer()) ||
              (t == OptionType::Double && v.is_number()) ||
              (t == OptionType::Bool && v.is_boolean());
  if (!fits || v.is_discarded()) return nullptr;
  return t == OptionType::Double ? nlohmann::json(v.get<double>()) : v;
}

std::string known_options(const CostModelEntry &e) {
  if (e.options.empty()) return "it has none";
  return "its options: " + join_mapped(e.options, ", ", [](const ModelOptionSpec &s) {
           return s.name + " (" + type_name(s.type) + ")";
         });
}

}  // namespace

void set_model_options(const std::string &model, const std::vector<std::string> &assignments,
                       CostModelOptions &options) {
  const CostModelEntry &e = find_cost_model(model);
  for (const std::string &a : assignments) {
    size_t eq = a.find('=');
    WT_USER_CHECK(eq != std::string::npos, BadArgument,
                  "--model-option '" << quote_cut(a) << "' is not NAME=VALUE");
    std::string name = a.substr(0, eq), text = a.substr(eq + 1);
    const ModelOptionSpec *spec = nullptr;
    for (const ModelOptionSpec &s : e.options)
      if (s.name == name) spec = &s;
    WT_USER_CHECK(spec != nullptr, BadArgument,
                  "cost model '" << model << "' has no option '" << quote_cut(name) << "'; "
                                 << known_options(e));
    nlohmann::json v = parse_value(spec->type, text);
    WT_USER_CHECK(!v.is_null(), BadArgument,
                  "option " << name << " of cost model '" << model << "' must be "
                            << type_name(spec->type) << ", got '" << quote_cut(text) << "'");
    options.values[name] = v;
  }
}

std::unique_ptr<search::CostModel> make_cost_model(const std::string &name,
                                                   CostModelOptions options) {
  const CostModelEntry &e = find_cost_model(name);
  return e.make(with_defaults(std::move(options), e.options));
}

std::unique_ptr<search::CostModel> load_cost_model(const std::string &path,
                                                   CostModelOptions options) {
  nlohmann::json j = read_model_file(path, "");
  WT_USER_CHECK(j.contains("model") && j["model"].is_string(), BadModel,
                path << ": names no model kind");
  std::string name = j["model"].get<std::string>();
  bool known = false;
  for (const CostModelEntry &e : cost_model_table()) known |= e.name == name;
  WT_USER_CHECK(
      known, BadModel,
      path << ": holds a '" << quote_cut(name) << "' model, which this build does not know");
  std::unique_ptr<search::CostModel> model = make_cost_model(name, std::move(options));
  model->load(path);
  return model;
}

std::string starting_weights_digest(const std::string &name, const std::string &load_model,
                                    CostModelOptions options) {
  const CostModelEntry &e = find_cost_model(name);
  std::string path = load_model;
  if (path.empty() && e.shipped_weights)
    path = e.shipped_weights(with_defaults(std::move(options), e.options));
  return path.empty() ? "" : file_digest(path);
}

}  // namespace worldtune::cost_model
