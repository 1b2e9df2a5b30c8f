/// \file Cost models by name. Each model registers once, as an entry of the table in
/// cost_model_registry.cpp (name, one-line summary, typed options, factory); the CLI lists models
/// and checks options from the table, and the search only ever sees search::CostModel. A new model
/// is a new file and a new table entry, nothing else.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cost_model/model_file.h"
#include "search/cost_model.h"

namespace worldtune::cost_model {

struct CostModelEntry {
  std::string name;
  std::string summary;
  std::vector<ModelOptionSpec> options;
  std::function<std::unique_ptr<search::CostModel>(const CostModelOptions &)> make;
  /// The weights file the model loads when no model file is given, for options with defaults
  /// filled in ("": it starts from none); null for a model that never loads one.
  std::function<std::string(const CostModelOptions &)> shipped_weights = nullptr;
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

/// Makes a model; options it does not set take the table's defaults. Throws as find_cost_model.
std::unique_ptr<search::CostModel> make_cost_model(const std::string &name,
                                                   CostModelOptions options);

/// The model a file holds, made from the table and loaded: `eval-model` and `tune --load-model`
/// need not be told which kind it is. Throws UserError(BadModel) naming the file.
std::unique_ptr<search::CostModel> load_cost_model(const std::string &path,
                                                   CostModelOptions options);

/// The digest (file_digest) of the weights a run of `name` starts from: `load_model` when given,
/// else the shipped weights its entry loads with `options`; "" when it starts from none. Run
/// settings record it, so that weights replaced under the same file name are a changed setting.
/// Throws as find_cost_model, and an Io error naming a weights file that cannot be read.
std::string starting_weights_digest(const std::string &name, const std::string &load_model,
                                    CostModelOptions options);

}  // namespace worldtune::cost_model
