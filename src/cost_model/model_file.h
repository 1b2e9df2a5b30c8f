/// \file What every cost model shares without knowing the others: its typed options and the
/// header of its saved file. Kept apart from the registry (cost_model_registry.h) so that model
/// libraries (xgb, world) need not link each other: the registry links them all.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
  /// The options with_defaults filled in (none given by the user): a weights file may carry its
  /// own defaults for these (how it is meant to be scored), which the user's options override.
  std::vector<std::string> defaulted;

  int64_t get_int(const std::string &name) const { return values.at(name).get<int64_t>(); }
  double get_double(const std::string &name) const { return values.at(name).get<double>(); }
  bool get_bool(const std::string &name) const { return values.at(name).get<bool>(); }
};

/// `options` with every option of `specs` it lacks set to its default.
CostModelOptions with_defaults(CostModelOptions options, const std::vector<ModelOptionSpec> &specs);

/// Labels: min cost / cost within each program's group (its workload and machine, so corpora of
/// several machines mix without one machine's speed setting another's labels). A failed
/// measurement (kFailedCost) gets 0.
std::vector<float> normalized_throughput(const std::vector<std::string> &groups,
                                         const std::vector<double> &costs);

/// The common header of saved model files: {"format": kModelFormat, "model": name, ...}.
inline constexpr const char *kModelFormat = "worldtune-cost-model-1";

/// Reads a saved model file's JSON and checks its format and model name; throws
/// UserError(BadModel) naming the file and what is wrong.
nlohmann::json read_model_file(const std::string &path, const std::string &expected_model);
void write_model_file(const std::string &path, const nlohmann::json &j);

}  // namespace worldtune::cost_model
