/// \file XGBoost through its C API, every return code checked. The pack-sum objective is a custom
/// gradient: each row's gradient is (sum of its program's row predictions - label), weighted by
/// the label (Ansor's pack_sum_square_error with weights = normalized throughput).
#include "cost_model/xgb_model.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <thread>

#include "features/per_store_features.h"
#include "worldtune/error.h"

namespace worldtune::cost_model {

namespace {

constexpr int kMaxRounds = 10000;
constexpr int kEarlyStoppingRounds = 50;

void check(int rc, const char *what) {
  WT_USER_CHECK(rc == 0, BadModel, "XGBoost " << what << " failed: " << XGBGetLastError());
}

/// Owns a DMatrix of packed rows with one label and weight per row.
class Matrix {
 public:
  Matrix(const std::vector<float> &data, size_t rows, int threads) {
    check(XGDMatrixCreateFromMat_omp(data.data(), rows, features::kNumPerStoreFeatures,
                                     std::numeric_limits<float>::quiet_NaN(), &handle_, threads),
          "creating a DMatrix");
  }
  ~Matrix() { XGDMatrixFree(handle_); }
  Matrix(const Matrix &) = delete;
  Matrix &operator=(const Matrix &) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

std::vector<float> predict_rows(BoosterHandle booster, const Matrix &m, bool training) {
  bst_ulong len = 0;
  const float *out = nullptr;
  // option_mask 1: raw margins, which is what the custom objective's gradient is taken of.
  check(XGBoosterPredict(booster, m.get(), 1, 0, training ? 1 : 0, &len, &out), "prediction");
  return std::vector<float>(out, out + len);
}

/// The metric as XGBoost's Python eval_set prints it ("%f"), which is what TVM's early-stopping
/// callback compares: gains below 1e-6 are no progress, and that is what ends its training.
double round_like_xgboost(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return std::strtod(buf, nullptr);
}

/// Ansor's nthread = cpu_count // 2: XGBoost's OpenMP threads busy-wait, and on a loaded machine
/// all-cores training slows down by orders of magnitude.
int num_threads(const CostModelOptions &o) {
  return o.num_threads > 0
             ? o.num_threads
             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
}

void set_params(BoosterHandle b, const CostModelOptions &o) {
  int threads = num_threads(o);
  const std::pair<const char *, std::string> params[] = {
      {"max_depth", "10"},
      {"gamma", "0.001"},
      {"min_child_weight", "0"},
      {"eta", "0.2"},
      {"nthread", std::to_string(threads)},
      {"seed", std::to_string(o.seed)},
      {"disable_default_eval_metric", "1"},
      {"verbosity", "0"},
  };
  for (const auto &[k, v] : params)
    check(XGBoosterSetParam(b, k, v.c_str()), "setting a parameter");
}

}  // namespace

XgbModel::XgbModel(const CostModelOptions &options) : options_(options), rng_(options.seed) {}

void XgbModel::BoosterFree::operator()(void *booster) const { XGBoosterFree(booster); }

const std::vector<std::vector<float>> &XgbModel::rows_of(const search::SearchTask &task,
                                                         const schedule::State &state) {
  std::string key = task.workload_key + "|" + state.key();
  auto it = feature_cache_.find(key);
  if (it != feature_cache_.end()) return it->second;
  // Candidates are mostly new each generation: bound the cache instead of keeping them all.
  if (feature_cache_.size() > 50000) feature_cache_.clear();
  std::vector<std::vector<float>> rows;
  try {
    for (auto &r : features::per_store_features(state, options_.cache_line_bytes))
      rows.push_back(std::move(r.values));
  } catch (const std::exception &) {
    rows.clear();  // an invalid state scores -inf, as Ansor's all-zero features do
  }
  return feature_cache_[key] = std::move(rows);
}

void XgbModel::update(const std::vector<search::MeasuredState> &measured) {
  for (const search::MeasuredState &m : measured) {
    const auto &rows = rows_of(*m.task, m.state);
    if (rows.empty()) continue;
    samples_.push_back(
        {m.task->workload_key, rows, m.result.ok() ? m.result.mean_cost() : kFailedCost});
  }
  // A loaded model keeps predicting until local data is past the warm-up.
  if (pretrained_ && static_cast<int>(samples_.size()) <= options_.num_warmup_sample) return;
  if (!samples_.empty()) train();
}

void XgbModel::train() {
  std::map<std::string, double> min_cost;
  for (const Sample &s : samples_) {
    auto [it, inserted] = min_cost.emplace(s.task, s.cost);
    if (!inserted) it->second = std::min(it->second, s.cost);
  }
  std::vector<float> data, labels, weights;
  std::vector<int> pack_of_row;
  std::vector<float> pack_label;
  for (const Sample &s : samples_) {
    float y = static_cast<float>(std::max(min_cost[s.task] / s.cost, 0.0));
    int pack = static_cast<int>(pack_label.size());
    pack_label.push_back(y);
    for (const auto &row : s.rows) {
      data.insert(data.end(), row.begin(), row.end());
      labels.push_back(y);
      weights.push_back(y);
      pack_of_row.push_back(pack);
    }
  }
  size_t n_rows = labels.size();
  Matrix m(data, n_rows, num_threads(options_));
  check(XGDMatrixSetFloatInfo(m.get(), "label", labels.data(), n_rows), "setting labels");
  check(XGDMatrixSetFloatInfo(m.get(), "weight", weights.data(), n_rows), "setting weights");

  // Trained on the side: if XGBoost fails, the previous model stays in place.
  DMatrixHandle mats[] = {m.get()};
  BoosterHandle handle = nullptr;
  check(XGBoosterCreate(mats, 1, &handle), "creating a booster");
  Booster fresh(handle);
  set_params(handle, options_);

  // The pack-sum gradient and the p-rmse of predictions `pred`; the hessian is the weight.
  std::vector<float> grad(n_rows);
  auto pack_rmse_and_grad = [&](const std::vector<float> &pred) {
    std::vector<double> sum(pack_label.size(), 0.0);
    for (size_t r = 0; r < n_rows; ++r) sum[pack_of_row[r]] += pred[r];
    double se = 0;
    for (size_t p = 0; p < sum.size(); ++p)
      se += (sum[p] - pack_label[p]) * (sum[p] - pack_label[p]);
    for (size_t r = 0; r < n_rows; ++r)
      grad[r] = static_cast<float>(sum[pack_of_row[r]] - labels[r]) * weights[r];
    return std::sqrt(se / static_cast<double>(sum.size()));
  };

  double best = std::numeric_limits<double>::infinity();
  int best_round = 0;
  for (int round = 0; round < kMaxRounds; ++round) {
    std::vector<float> pred = predict_rows(handle, m, true);
    double rmse = round_like_xgboost(pack_rmse_and_grad(pred));
    if (round > 0) {
      if (rmse < best) {
        best = rmse;
        best_round = round;
      } else if (round - best_round >= kEarlyStoppingRounds) {
        break;  // TVM keeps every tree built (it only notes the best iteration)
      }
    }
    check(XGBoosterBoostOneIter(handle, m.get(), grad.data(), weights.data(), n_rows),
          "a boosting round");
  }
  int rounds = 0;
  check(XGBoosterBoostedRounds(handle, &rounds), "counting rounds");
  rounds_ = rounds;
  booster_ = std::move(fresh);
  pretrained_ = false;
}

std::vector<float> XgbModel::predict(const search::SearchTask &task,
                                     const std::vector<schedule::State> &states) {
  std::vector<float> out(states.size(), -std::numeric_limits<float>::infinity());
  bool warm = pretrained_ || !options_.random_warmup ||
              static_cast<int>(samples_.size()) > options_.num_warmup_sample;
  if (!booster_ || !warm) {
    for (float &v : out) v = static_cast<float>(rng_.uniform_real());
    return out;
  }
  std::vector<float> data;
  std::vector<int> pack_of_row;
  for (size_t i = 0; i < states.size(); ++i) {
    for (const auto &row : rows_of(task, states[i])) {
      data.insert(data.end(), row.begin(), row.end());
      pack_of_row.push_back(static_cast<int>(i));
    }
  }
  if (pack_of_row.empty()) return out;
  Matrix m(data, pack_of_row.size(), num_threads(options_));
  std::vector<float> pred = predict_rows(booster_.get(), m, false);
  for (size_t r = 0; r < pred.size(); ++r) {
    float &o = out[pack_of_row[r]];
    o = std::isinf(o) ? pred[r] : o + pred[r];
  }
  return out;
}

void XgbModel::save(const std::string &path) const {
  WT_USER_CHECK(booster_ != nullptr, BadModel,
                "the xgb model has not been trained yet; nothing to save to " << path);
  bst_ulong len = 0;
  const char *buf = nullptr;
  check(XGBoosterSaveModelToBuffer(booster_.get(), R"({"format": "json"})", &len, &buf), "saving");
  nlohmann::json j = {{"format", kModelFormat},
                      {"model", "xgb"},
                      {"feature_version", features::kFeatureVersion},
                      {"num_features", features::kNumPerStoreFeatures},
                      {"num_samples", samples_.size()},
                      {"booster", nlohmann::json::parse(std::string(buf, len))}};
  write_model_file(path, j);
}

void XgbModel::load(const std::string &path) {
  nlohmann::json j = read_model_file(path, "xgb");
  const nlohmann::json &fv =
      j.contains("feature_version") ? j["feature_version"] : nlohmann::json();
  const nlohmann::json &nf = j.contains("num_features") ? j["num_features"] : nlohmann::json();
  WT_USER_CHECK(fv == features::kFeatureVersion && nf == features::kNumPerStoreFeatures, BadModel,
                path << ": model trained on feature version " << fv.dump() << " with " << nf.dump()
                     << " features; this build computes version " << features::kFeatureVersion
                     << " with " << features::kNumPerStoreFeatures);
  WT_USER_CHECK(j.contains("booster") && j["booster"].is_object(), BadModel,
                path << ": no \"booster\" object");
  std::string raw = j["booster"].dump();
  BoosterHandle handle = nullptr;
  check(XGBoosterCreate(nullptr, 0, &handle), "creating a booster");
  Booster b(handle);
  WT_USER_CHECK(XGBoosterLoadModelFromBuffer(handle, raw.data(), raw.size()) == 0, BadModel,
                path << ": XGBoost cannot read the booster: " << XGBGetLastError());
  set_params(handle, options_);
  int rounds = 0;
  check(XGBoosterBoostedRounds(handle, &rounds), "counting rounds");
  booster_ = std::move(b);
  rounds_ = rounds;
  pretrained_ = true;
}

}  // namespace worldtune::cost_model
