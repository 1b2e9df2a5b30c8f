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
  int64_t n = o.get_int("threads");
  return n > 0 ? static_cast<int>(n)
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

/// Samples flattened into rows: a program ("pack") is one label, spread over its rows. Labels are
/// normalized throughput, min cost / cost within the program's (workload, machine) group.
struct Packed {
  std::vector<float> data, labels, weights, pack_label;
  std::vector<int> pack_of_row;
  size_t rows() const { return labels.size(); }
};

template <typename Sample>
Packed pack(const std::vector<Sample> &samples) {
  std::vector<std::string> groups;
  std::vector<double> costs;
  for (const Sample &s : samples) {
    groups.push_back(s.group);
    costs.push_back(s.cost);
  }
  std::vector<float> label = normalized_throughput(groups, costs);
  Packed p;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample &s = samples[i];
    float y = label[i];
    int id = static_cast<int>(p.pack_label.size());
    p.pack_label.push_back(y);
    for (const auto &row : s.rows) {
      p.data.insert(p.data.end(), row.begin(), row.end());
      p.labels.push_back(y);
      p.weights.push_back(y);
      p.pack_of_row.push_back(id);
    }
  }
  return p;
}

/// Root-mean-square error of the pack sums of per-row predictions `pred`.
double pack_rmse(const Packed &p, const std::vector<float> &pred) {
  std::vector<double> sum(p.pack_label.size(), 0.0);
  for (size_t r = 0; r < p.rows(); ++r) sum[p.pack_of_row[r]] += pred[r];
  double se = 0;
  for (size_t i = 0; i < sum.size(); ++i)
    se += (sum[i] - p.pack_label[i]) * (sum[i] - p.pack_label[i]);
  return std::sqrt(se / static_cast<double>(std::max<size_t>(1, sum.size())));
}

/// The pack-sum gradient of `pred`; the hessian is the weight.
std::vector<float> pack_grad(const Packed &p, const std::vector<float> &pred) {
  std::vector<double> sum(p.pack_label.size(), 0.0);
  for (size_t r = 0; r < p.rows(); ++r) sum[p.pack_of_row[r]] += pred[r];
  std::vector<float> grad(p.rows());
  for (size_t r = 0; r < p.rows(); ++r)
    grad[r] = static_cast<float>(sum[p.pack_of_row[r]] - p.labels[r]) * p.weights[r];
  return grad;
}

}  // namespace

std::vector<ModelOptionSpec> xgb_option_specs() {
  return {
      {"warmup", OptionType::Int, 100,
       "random predictions until more than this many samples are measured (Ansor's warm-up; "
       "a loaded model predicts from the start)"},
      {"frozen", OptionType::Bool, false,
       "never train on the run's measurements (a loaded model stays as it was trained)"},
      {"threads", OptionType::Int, 0, "XGBoost threads (0: half the cores, as Ansor)"},
  };
}

XgbModel::XgbModel(const CostModelOptions &options)
    : options_(with_defaults(options, xgb_option_specs())), rng_(options.seed) {}

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

std::vector<XgbModel::Sample> XgbModel::to_samples(
    const std::vector<search::MeasuredState> &measured) {
  std::vector<Sample> out;
  for (const search::MeasuredState &m : measured) {
    std::vector<std::vector<float>> rows = rows_of(*m.task, m.state);
    if (rows.empty()) continue;
    out.push_back({m.task->label_group(), std::move(rows), m.result.cost_or_failed()});
  }
  // Corpora are read once: their rows need not stay cached beside the samples.
  if (measured.size() > 1000) feature_cache_.clear();
  return out;
}

void XgbModel::update(const std::vector<search::MeasuredState> &measured) {
  if (options_.get_bool("frozen")) return;
  for (Sample &s : to_samples(measured)) samples_.push_back(std::move(s));
  if (!samples_.empty()) train({});
}

void XgbModel::pretrain(const std::vector<search::MeasuredState> &train_set,
                        const std::vector<search::MeasuredState> &valid) {
  for (Sample &s : to_samples(train_set)) samples_.push_back(std::move(s));
  WT_USER_CHECK(!samples_.empty(), BadArgument, "no training programs with features");
  train(to_samples(valid));
}

namespace {

/// The margins of a booster chain on `m`: each booster adds to the margins of those before.
std::vector<float> chain_margins(const std::vector<BoosterHandle> &chain, const Matrix &m) {
  std::vector<float> margin;
  for (BoosterHandle b : chain) {
    if (!margin.empty())
      check(XGDMatrixSetFloatInfo(m.get(), "base_margin", margin.data(), margin.size()),
            "setting base margins");
    margin = predict_rows(b, m, false);
  }
  return margin;
}

/// A DMatrix of packed rows with labels, weights and the frozen chain's margins as base.
std::unique_ptr<Matrix> training_matrix(const Packed &p, const std::vector<BoosterHandle> &frozen,
                                        int threads) {
  auto m = std::make_unique<Matrix>(p.data, p.rows(), threads);
  check(XGDMatrixSetFloatInfo(m->get(), "label", p.labels.data(), p.rows()), "setting labels");
  check(XGDMatrixSetFloatInfo(m->get(), "weight", p.weights.data(), p.rows()), "setting weights");
  if (!frozen.empty()) {
    std::vector<float> base = chain_margins(frozen, *m);
    check(XGDMatrixSetFloatInfo(m->get(), "base_margin", base.data(), base.size()),
          "setting base margins");
  }
  return m;
}

}  // namespace

void XgbModel::train(const std::vector<Sample> &valid) {
  std::vector<BoosterHandle> frozen;
  for (const Booster &b : frozen_) frozen.push_back(b.get());
  int threads = num_threads(options_);
  Packed tp = pack(samples_);
  std::unique_ptr<Matrix> tm = training_matrix(tp, frozen, threads);
  Packed vp = pack(valid);
  std::unique_ptr<Matrix> vm = valid.empty() ? nullptr : training_matrix(vp, frozen, threads);

  // Trained on the side: if XGBoost fails, the previous model stays in place.
  DMatrixHandle mats[] = {tm->get(), vm ? vm->get() : nullptr};
  BoosterHandle handle = nullptr;
  check(XGBoosterCreate(mats, vm ? 2 : 1, &handle), "creating a booster");
  Booster fresh(handle);
  set_params(handle, options_);

  double best = std::numeric_limits<double>::infinity();
  int best_round = 0;
  for (int round = 0; round < kMaxRounds; ++round) {
    std::vector<float> pred = predict_rows(handle, *tm, true);
    double metric = round_like_xgboost(vm ? pack_rmse(vp, predict_rows(handle, *vm, false))
                                          : pack_rmse(tp, pred));
    if (round > 0) {
      if (metric < best) {
        best = metric;
        best_round = round;
      } else if (round - best_round >= kEarlyStoppingRounds) {
        break;  // TVM keeps every tree built (it only notes the best iteration)
      }
    }
    std::vector<float> grad = pack_grad(tp, pred);
    check(XGBoosterBoostOneIter(handle, tm->get(), grad.data(), tp.weights.data(), tp.rows()),
          "a boosting round");
  }
  if (vm && best_round > 0) {
    // With held-out workloads the trees past the best round only fit the training set: cut them.
    BoosterHandle sliced = nullptr;
    check(XGBoosterSlice(handle, 0, best_round, 1, &sliced), "cutting to the best round");
    fresh = Booster(sliced);
  }
  check(XGBoosterBoostedRounds(fresh.get(), &rounds_), "counting rounds");
  booster_ = std::move(fresh);
}

bool XgbModel::scores_now() const {
  bool warm = !frozen_.empty() || !options_.random_warmup ||
              static_cast<int64_t>(samples_.size()) > options_.get_int("warmup");
  return warm && (booster_ || !frozen_.empty());
}

std::vector<float> XgbModel::predict(const search::SearchTask &task,
                                     const std::vector<schedule::State> &states) {
  std::vector<float> out(states.size(), -std::numeric_limits<float>::infinity());
  if (!scores_now()) {
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
  std::vector<BoosterHandle> chain;
  for (const Booster &b : frozen_) chain.push_back(b.get());
  if (booster_) chain.push_back(booster_.get());
  std::vector<float> pred = chain_margins(chain, m);
  for (size_t r = 0; r < pred.size(); ++r) {
    float &o = out[pack_of_row[r]];
    o = std::isinf(o) ? pred[r] : o + pred[r];
  }
  return out;
}

namespace {

nlohmann::json booster_json(BoosterHandle b) {
  bst_ulong len = 0;
  const char *buf = nullptr;
  check(XGBoosterSaveModelToBuffer(b, R"({"format": "json"})", &len, &buf), "saving");
  return nlohmann::json::parse(std::string(buf, len));
}

}  // namespace

void XgbModel::save(const std::string &path) const {
  WT_USER_CHECK(booster_ != nullptr || !frozen_.empty(), BadModel,
                "the xgb model has not been trained yet; nothing to save to " << path);
  nlohmann::json boosters = nlohmann::json::array();
  for (const Booster &b : frozen_) boosters.push_back(booster_json(b.get()));
  if (booster_) boosters.push_back(booster_json(booster_.get()));
  nlohmann::json j = {{"format", kModelFormat},
                      {"model", "xgb"},
                      {"feature_version", features::kFeatureVersion},
                      {"num_features", features::kNumPerStoreFeatures},
                      {"num_samples", samples_.size()},
                      {"boosters", boosters}};
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
  // Files of one booster (before fine-tuning existed) name it "booster".
  nlohmann::json list = j.contains("boosters")  ? j["boosters"]
                        : j.contains("booster") ? nlohmann::json::array({j["booster"]})
                                                : nlohmann::json();
  WT_USER_CHECK(list.is_array() && !list.empty(), BadModel, path << ": no \"boosters\" list");
  std::vector<Booster> loaded;
  for (const nlohmann::json &b : list) {
    WT_USER_CHECK(b.is_object(), BadModel, path << ": a booster is not a JSON object");
    std::string raw = b.dump();
    BoosterHandle handle = nullptr;
    check(XGBoosterCreate(nullptr, 0, &handle), "creating a booster");
    loaded.emplace_back(handle);
    WT_USER_CHECK(XGBoosterLoadModelFromBuffer(handle, raw.data(), raw.size()) == 0, BadModel,
                  path << ": XGBoost cannot read a booster: " << XGBGetLastError());
    set_params(handle, options_);
  }
  check(XGBoosterBoostedRounds(loaded.back().get(), &rounds_), "counting rounds");
  frozen_ = std::move(loaded);
  booster_.reset();
  samples_.clear();
}

}  // namespace worldtune::cost_model
