/// \file Cost models by name. Each model registers once, as an entry of the table in
/// cost_model_registry.cpp (name, one-line summary, typed options, factory); the CLI lists models
/// and checks options from the table, and the search only ever sees search::CostModel. A new model
/// is a new file and a new table entry, nothing else.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "search/cost_model.h"

namespace worldtune::cost_model {

enum class OptionType { Int, Double, Bool };

/// One model-specific option, set with `--model-option NAME=VALUE`.
struct ModelOptionSpec {
  std::string name;
  OptionType type;
  nlohmann::json default_value;
  std::string help;
};

struct CostModelOptions {
  uint64_t seed = 43;  ///< XGBoost's seed in Ansor; also seeds random predictions
  /// Random predictions until more than `warmup` measured samples (Ansor's warm-up); a model
  /// loaded from a file predicts from the start. Switch it off to trust the model at once.
  bool random_warmup = true;
  int cache_line_bytes = 64;
  /// The model's own options by name, typed and complete (defaults filled in) once
  /// make_cost_model has checked them against the table.
  nlohmann::json values = nlohmann::json::object();

  int64_t get_int(const std::string &name) const { return values.at(name).get<int64_t>(); }
  double get_double(const std::string &name) const { return values.at(name).get<double>(); }
  bool get_bool(const std::string &name) const { return values.at(name).get<bool>(); }
};

struct CostModelEntry {
  std::string name;
  std::string summary;
  std::vector<ModelOptionSpec> options;
  std::function<std::unique_ptr<search::CostModel>(const CostModelOptions &)> make;
};

/// Every registered model, in the order `worldtune models` lists them.
const std::vector<CostModelEntry> &cost_model_table();
std::vector<std::string> cost_model_names();

/// The entry of a model; throws UserError(BadArgument) naming the unknown model and the known ones.
const CostModelEntry &find_cost_model(const std::string &name);

/// `NAME=VALUE` strings parsed into `options.values` for the model: unknown names and values of
/// the wrong type are UserError(BadArgument) naming the option and what the model accepts.
void set_model_options(const std::string &model, const std::vector<std::string> &assignments,
                       CostModelOptions &options);

/// `options` with every option of `specs` it lacks set to its default.
CostModelOptions with_defaults(CostModelOptions options, const std::vector<ModelOptionSpec> &specs);

/// Makes a model; options it does not set take the table's defaults. Throws as find_cost_model.
std::unique_ptr<search::CostModel> make_cost_model(const std::string &name,
                                                   CostModelOptions options);

/// The common header of saved model files: {"format": kModelFormat, "model": name, ...}.
inline constexpr const char *kModelFormat = "worldtune-cost-model-1";

/// Reads a saved model file's JSON and checks its format and model name; throws
/// UserError(BadModel) naming the file and what is wrong.
nlohmann::json read_model_file(const std::string &path, const std::string &expected_model);
void write_model_file(const std::string &path, const nlohmann::json &j);

/// The model a file holds, made from the table and loaded: `eval-model` and `tune --load-model`
/// need not be told which kind it is. Throws UserError(BadModel) naming the file.
std::unique_ptr<search::CostModel> load_cost_model(const std::string &path,
                                                   CostModelOptions options);

}  // namespace worldtune::cost_model
