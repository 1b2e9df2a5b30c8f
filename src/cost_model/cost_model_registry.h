/// \file Cost models by name: the CLI and benchmarks pick `random` or `xgb` (later `world`) here,
/// and the search only ever sees search::CostModel.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "search/cost_model.h"

namespace worldtune::cost_model {

struct CostModelOptions {
  uint64_t seed = 43;  ///< XGBoost's seed in Ansor; also seeds random predictions
  /// Random predictions until more than this many measured samples (Ansor's warm-up).
  int num_warmup_sample = 100;
  bool random_warmup = true;  ///< switch the warm-up off to trust the model from the start
  int num_threads = 0;        ///< training/prediction threads (0: half the cores, as Ansor)
  int cache_line_bytes = 64;
};

/// Names accepted by make_cost_model.
const std::vector<std::string> &cost_model_names();

/// Throws UserError(BadArgument) naming the unknown model and the known ones.
std::unique_ptr<search::CostModel> make_cost_model(const std::string &name,
                                                   const CostModelOptions &options);

/// The common header of saved model files: {"format": kModelFormat, "model": name, ...}.
inline constexpr const char *kModelFormat = "worldtune-cost-model-1";

/// Reads a saved model file's JSON and checks its format and model name; throws
/// UserError(BadModel) naming the file and what is wrong.
nlohmann::json read_model_file(const std::string &path, const std::string &expected_model);
void write_model_file(const std::string &path, const nlohmann::json &j);

}  // namespace worldtune::cost_model
