/// \file The sequence cost models: weights, scoring, pretraining with early stopping, and online
/// fine-tuning.
#include "world/sequence_model.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <thread>

#include "support/rng.h"
#include "support/strings.h"
#include "tokens/head_inputs.h"
#include "world/local_residual.h"
#include "world/nets.h"
#include "world/score_calibration.h"
#include "worldtune/error.h"

#ifndef WORLDTUNE_MODELS_DIR
#define WORLDTUNE_MODELS_DIR "data/models"
#endif

namespace worldtune::world {

using cost_model::CostModelOptions;
using cost_model::ModelOptionSpec;
using cost_model::OptionType;

std::vector<ModelOptionSpec> tlp_option_specs() { return sequence_option_specs("tlp"); }

std::vector<ModelOptionSpec> world_option_specs() {
  std::vector<ModelOptionSpec> specs = sequence_option_specs("world");
  specs.push_back({"transition", OptionType::Bool, true,
                   "latent dynamics; false: a bag of actions (ablation; training only, as d)"});
  specs.push_back(
      {"aux", OptionType::Double, 0.1, "weight of the auxiliary world loss (0: none, ablation)"});
  specs.push_back({"readout", OptionType::Bool, false,
                   "the head also sees the mean action embedding beside the rolled latents "
                   "(training only, as d)"});
  return specs;
}

std::vector<ModelOptionSpec> sequence_option_specs(const std::string &kind) {
  std::vector<ModelOptionSpec> specs = {
      {"pretrained", OptionType::Bool, true,
       "start from the shipped weights (" + default_weights(kind) +
           ") when no model file is given"},
      {"online", OptionType::Bool, false,
       "fine-tune on the run's measurements after each round (off by default: it measured slower "
       "at 100 trials, docs/benchmarks.md \"Budget run\")"},
      {"finetune_ms", OptionType::Int, 500,
       "time budget of one round's fine-tuning (of each network of the model)"},
      {"finetune_steps", OptionType::Int, 0,
       "Adam steps of one round's fine-tuning, whatever the time (deterministic); 0: as many as "
       "finetune_ms allows, at most 50 (depends on the machine's load)"},
      {"finetune_head", OptionType::Bool, false,
       "fine-tune only the head; the encoder and the dynamics keep their pretrained weights"},
      {"epochs", OptionType::Int, 40,
       "most pretraining epochs (early stopping on held-out workloads); 0 with `train --init`: "
       "only refit the score calibration"},
      {"d", OptionType::Int, 64, "latent width (training; loaded weights keep their own)"},
      {"gain_exponent", OptionType::Double, 0.0,
       "LambdaRank gain of a normalized throughput y: 2^(g*y) - 1 (0: y itself); a larger g "
       "weighs the order of the fastest programs more (training only)"},
      {"members", OptionType::Int, 1,
       "networks trained with seeds seed, seed+1, ...; their calibrated scores are combined "
       "(geometric mean, see pessimism; training only, loaded weights keep their own)"},
      {"pessimism", OptionType::Double, 0.0,
       "scoring of several networks: exp(mean - pessimism * sd) of their predicted log "
       "throughputs (0: geometric mean; 1 with two: the lower), to distrust states they disagree "
       "on, where a search driven by the model finds its over-estimates (not Ansor's); unset, a "
       "weights file's own default (the shipped ones: 1) or 0"},
      {"local", OptionType::Double, 0.0,
       "ridge penalty of a local residual refitted on the run's measurements after each round "
       "(a regression of what the network mispredicts on its own last hidden layer, as the "
       "pretrained xgb's local booster; 0: none)"},
      {"hardware", OptionType::Bool, true,
       "hardware features in the head (ablation: false; training only, as d)"},
      {"threads", OptionType::Int, 0,
       "libtorch intra-op threads (0: one; OpenBLAS parallelizes the matrix products itself, "
       "and two pools on the same cores spin against each other: 2x slower on 2 cores)"},
  };
  return specs;
}

std::string default_weights(const std::string &kind) {
  // Weight files never change once experiments name them (runs record their digests), so a new
  // default is a new file named here; data/models/README.md says how each was trained.
  static const std::map<std::string, std::string> kShipped = {
      {"world", "world-members2-dw-readout-pess1.json"}, {"tlp", "tlp-members2-dw-pess1.json"}};
  auto it = kShipped.find(kind);
  return std::string(WORLDTUNE_MODELS_DIR) + "/" +
         (it == kShipped.end() ? kind + ".json" : it->second);
}

std::string shipped_weights(const std::string &kind, const CostModelOptions &options) {
  return options.get_bool("pretrained") ? default_weights(kind) : "";
}

namespace {

/// Bump when tokens, rows, summary, hardware vector or the network's layout change meaning:
/// weight files record it and other versions are refused.
constexpr int kSchemaVersion = 1;

nlohmann::json schema() {
  return {{"version", kSchemaVersion},
          {"token_width", tokens::kTokenWidth},
          {"program_row_width", tokens::kProgramRowWidth},
          {"global_row_width", tokens::kGlobalRowWidth},
          {"summary_width", tokens::kActionSummaryWidth},
          {"hardware_width", tokens::kHardwareWidth},
          {"aux_width", aux_target_width()}};
}

void set_threads(int64_t wanted) {
  static bool interop_set = false;
  if (!interop_set) {
    interop_set = true;
    try {
      at::set_num_interop_threads(1);
    } catch (const std::exception &) {  // already running: keep torch's pool
    }
  }
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(wanted > 0 ? static_cast<int>(std::min<int64_t>(wanted, cores)) : 1);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Programs of one group that a loss compares with each other.
struct Chunk {
  const ExampleGroup *group;
  std::vector<int> members;
};

constexpr int kChunkSize = 64, kChunksPerBatch = 16, kMinBatchesPerEpoch = 16;
constexpr int64_t kMaxMembers = 16;  ///< networks in one model

std::vector<Chunk> make_chunks(const std::vector<ExampleGroup> &groups, Rng &rng) {
  std::vector<Chunk> chunks;
  for (const ExampleGroup &g : groups) {
    std::vector<int> order(g.examples.size());
    std::iota(order.begin(), order.end(), 0);
    rng.shuffle(order);
    for (size_t at = 0; at + 1 < order.size(); at += kChunkSize)
      chunks.push_back(
          {&g, std::vector<int>(order.begin() + at,
                                order.begin() + std::min(order.size(), at + kChunkSize))});
  }
  rng.shuffle(chunks);
  return chunks;
}

/// The ranking loss (+ weighted auxiliary loss) of chunks [from, to).
torch::Tensor chunks_loss(ScoringNet &net, const std::vector<Chunk> &chunks, size_t from, size_t to,
                          double aux_weight, double gain_exponent) {
  std::vector<const Example *> ex;
  std::vector<int64_t> offsets = {0};
  for (size_t c = from; c < to; ++c) {
    for (int i : chunks[c].members) ex.push_back(&chunks[c].group->examples[i]);
    offsets.push_back(static_cast<int64_t>(ex.size()));
  }
  Batch b = make_batch(ex, aux_weight > 0);
  NetOutput out = net.forward(b);
  torch::Tensor loss = lambdarank_loss(out.scores, b.labels, offsets, gain_exponent);
  if (aux_weight > 0 && out.aux_pred.defined())
    loss = loss + aux_weight * torch::mse_loss(out.aux_pred, b.aux_target);
  return loss;
}

/// The networks' scores of every example, in batches, without gradients.
std::vector<std::vector<float>> raw_scores(ScoringNet &net,
                                           const std::vector<ExampleGroup> &groups) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<float>> out;
  for (const ExampleGroup &g : groups) {
    out.emplace_back();
    for (size_t at = 0; at < g.examples.size(); at += 512) {
      std::vector<const Example *> ex;
      for (size_t i = at; i < std::min(g.examples.size(), at + 512); ++i)
        ex.push_back(&g.examples[i]);
      torch::Tensor s = net.forward(make_batch(ex, false)).scores.contiguous();
      out.back().insert(out.back().end(), s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
    }
  }
  return out;
}

/// Standardizes the auxiliary targets in place (per column, over the training examples) so that
/// no feature's scale dominates the world loss.
void standardize_aux(std::vector<ExampleGroup> &groups) {
  const int w = aux_target_width();
  std::vector<double> sum(w, 0), sq(w, 0);
  double n = 0;
  for (const ExampleGroup &g : groups)
    for (const Example &e : g.examples)
      for (const auto &[t, v] : e.aux) {
        for (int i = 0; i < w; ++i) sum[i] += v[i], sq[i] += double(v[i]) * v[i];
        n += 1;
      }
  if (n == 0) return;
  for (ExampleGroup &g : groups)
    for (Example &e : g.examples)
      for (auto &[t, v] : e.aux)
        for (int i = 0; i < w; ++i) {
          double mean = sum[i] / n, var = sq[i] / n - mean * mean;
          v[i] = static_cast<float>((v[i] - mean) / (var > 1e-12 ? std::sqrt(var) : 1.0));
        }
}

/// One network of a sequence model with its calibration and online state; a model of several
/// (`members`) averages their calibrated scores.
struct Member {
  std::string kind;
  CostModelOptions options;  ///< the model's, with this member's seed
  NetConfig config;
  std::shared_ptr<ScoringNet> net;
  bool has_weights = false;
  Rng rng;
  std::unique_ptr<torch::optim::Adam> online;
  nlohmann::json trained;  ///< how the weights were trained (saved with them)
  ScoreCalibration calibration;
  bool calibrated_on_corpus = false;      ///< else refit on the run after each fine-tuning
  std::string uncalibrated_file;          ///< weights loaded without a calibration: scoring refuses
  std::map<std::string, double> centers;  ///< per task: the median score of its first call
  std::map<std::string, LocalResidual> local;  ///< per task: the run's correction (option local)

  Member(const std::string &k, const CostModelOptions &o) : kind(k), options(o), rng(o.seed) {
    set_threads(o.get_int("threads"));
    config.kind = kind;
    config.d = static_cast<int>(o.get_int("d"));
    config.transition = !o.values.contains("transition") || o.get_bool("transition");
    config.hardware = o.get_bool("hardware");
    config.readout = o.values.contains("readout") && o.get_bool("readout");
    WT_USER_CHECK(config.d > 0 && config.d <= 1024, BadArgument,
                  "option d of cost model '" << kind << "' must be in 1..1024, got " << config.d);
    WT_USER_CHECK(o.get_int("epochs") >= 0, BadArgument,
                  "option epochs of cost model '" << kind << "' must be at least 0");
    WT_USER_CHECK(o.get_double("gain_exponent") >= 0, BadArgument,
                  "option gain_exponent of cost model '" << kind << "' must be at least 0");
    WT_USER_CHECK(o.get_double("pessimism") >= 0, BadArgument,
                  "option pessimism of cost model '" << kind << "' must be at least 0");
    WT_USER_CHECK(o.get_double("local") >= 0, BadArgument,
                  "option local of cost model '" << kind << "' must be at least 0");
  }

  /// The auxiliary loss needs latents after each step: none without the transition.
  double aux_weight() const { return config.transition ? options.values.value("aux", 0.0) : 0.0; }
  double gain_exponent() const { return options.get_double("gain_exponent"); }

  void fresh_net() {
    torch::manual_seed(options.seed);
    net = make_net(config);
    online.reset();
    has_weights = true;
    calibration = {}, calibrated_on_corpus = false, uncalibrated_file.clear(), centers.clear();
    local.clear();
  }

  void load(const nlohmann::json &j, const std::string &path, const std::string &label);
  void pretrain(std::vector<ExampleGroup> &train, const std::vector<ExampleGroup> &valid,
                bool held_out, const nlohmann::json &corpus);
  nlohmann::json to_json() const;
  void calibrate(const std::vector<ExampleGroup> &groups);
  std::vector<float> calibrated(const search::SearchTask &task, std::vector<float> raw);
  double train_epochs(std::vector<ExampleGroup> &train, const std::vector<ExampleGroup> &valid);
  double valid_loss(const std::vector<ExampleGroup> &valid);
  void fine_tune(const std::vector<ExampleGroup> &groups);
};

/// A member's network, training record and calibration from its part of a weights file (the
/// whole file for one network, an element of `members` for several; `label` names which).
void Member::load(const nlohmann::json &j, const std::string &path, const std::string &label) {
  const std::string where = path + label;
  WT_USER_CHECK(j.is_object(), BadModel, where << ": a network must be a JSON object");
  NetConfig c = NetConfig::from_json(j.value("config", nlohmann::json()), where);
  WT_USER_CHECK(c.kind == kind, BadModel,
                where << ": holds a '" << c.kind << "' network, not '" << kind << "'");
  std::shared_ptr<ScoringNet> n = make_net(c);
  params_from_json(*n, j.value("params", nlohmann::json()), where);
  config = c, net = n;
  trained = j.value("trained", nlohmann::json::object());
  online.reset();
  has_weights = true;
  calibration = {}, calibrated_on_corpus = false, uncalibrated_file.clear(), centers.clear();
  local.clear();
  if (!j.contains("calibration")) {  // weights of an older worldtune: fine to train from
    uncalibrated_file = path;
    return;
  }
  try {
    calibration.slope = j["calibration"].at("slope").get<double>();
  } catch (const std::exception &) {
    throw UserError(ErrorKind::BadModel, where + ": malformed score calibration");
  }
  WT_USER_CHECK(std::isfinite(calibration.slope) && calibration.slope > 0, BadModel,
                where << ": score calibration slope " << calibration.slope << " is not positive");
  calibration.fitted = calibrated_on_corpus = true;
}

nlohmann::json Member::to_json() const {
  return {{"config", config.to_json()},
          {"trained", trained},
          {"calibration", {{"slope", calibration.slope}}},
          {"params", params_to_json(*net)}};
}

void Member::calibrate(const std::vector<ExampleGroup> &groups) {
  std::vector<std::vector<float>> labels;
  for (const ExampleGroup &g : groups) {
    labels.emplace_back();
    for (const Example &e : g.examples) labels.back().push_back(e.label);
  }
  calibration = fit_calibration(raw_scores(*net, groups), labels);
  uncalibrated_file.clear(), centers.clear();
  local.clear();
}

std::vector<float> Member::calibrated(const search::SearchTask &task, std::vector<float> raw) {
  WT_USER_CHECK(uncalibrated_file.empty(), BadModel,
                uncalibrated_file << ": " << kind << " weights without a score calibration (an "
                                  << "older worldtune): refit it with `worldtune train --model "
                                  << kind << " --init " << uncalibrated_file
                                  << " --model-option epochs=0 --corpus CORPUS --out FILE`");
  auto [it, fresh] = centers.emplace(task_key(task), 0.0);
  if (fresh) it->second = median_score(raw);
  for (float &s : raw) s = calibration.apply(s, it->second);
  return raw;
}

double Member::valid_loss(const std::vector<ExampleGroup> &valid) {
  torch::NoGradGuard no_grad;
  Rng fixed(1);
  std::vector<Chunk> chunks = make_chunks(valid, fixed);
  double sum = 0;
  int batches = 0;
  for (size_t at = 0; at < chunks.size(); at += kChunksPerBatch, ++batches)
    sum += chunks_loss(*net, chunks, at, std::min(chunks.size(), at + kChunksPerBatch), 0,
                       gain_exponent())
               .item<double>();
  return batches ? sum / batches : std::nan("");
}

/// Adam with TLP's settings; returns the best validation loss. Keeps the weights of the best
/// epoch (on the training loss when nothing is held out).
double Member::train_epochs(std::vector<ExampleGroup> &train,
                            const std::vector<ExampleGroup> &valid) {
  if (!has_weights) fresh_net();  // else `train --init`: continue from the loaded weights
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(5e-4).weight_decay(1e-6));
  const double aux = aux_weight();
  const int epochs = static_cast<int>(options.get_int("epochs")), patience = 5;
  double best = 1e30;
  int since_best = 0;
  nlohmann::json best_params;
  auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= epochs && since_best < patience; ++epoch) {
    double sum = 0;
    int batches = 0;
    // An epoch is a pass over the corpus, or several for a small one: enough Adam steps to learn.
    std::vector<Chunk> chunks;
    for (size_t at = 0; batches < kMinBatchesPerEpoch || at < chunks.size();
         at += kChunksPerBatch, ++batches) {
      if (at >= chunks.size()) chunks = make_chunks(train, rng), at = 0;
      if (chunks.empty()) break;
      opt.zero_grad();
      torch::Tensor loss = chunks_loss(
          *net, chunks, at, std::min(chunks.size(), at + kChunksPerBatch), aux, gain_exponent());
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->parameters(), 0.5);
      opt.step();
      sum += loss.item<double>();
    }
    WT_USER_CHECK(batches > 0 && std::isfinite(sum), BadArgument,
                  kind << ": nothing to learn from (no group with two programs that replay) or "
                       << "the loss diverged (" << sum << ")");
    double v = valid_loss(valid);
    if (std::isnan(v)) v = sum / batches;  // nothing held out: the training loss decides
    std::cerr << kind << " (seed " << options.seed << "): epoch " << epoch << " train loss "
              << sum / batches << " held-out ranking loss " << v << " ("
              << static_cast<int>(seconds_since(t0)) << " s)\n";
    if (v < best)
      best = v, since_best = 0, best_params = params_to_json(*net);
    else
      ++since_best;
  }
  params_from_json(*net, best_params, "best epoch");
  return best;
}

/// What online fine-tuning updates: every weight, or (finetune_head) the head's alone.
std::vector<torch::Tensor> online_parameters(torch::nn::Module &net, bool head_only) {
  if (!head_only) return net.parameters();
  std::vector<torch::Tensor> out;
  for (const auto &p : net.named_parameters())
    if (p.key().find("head.") != std::string::npos) out.push_back(p.value());
  WT_ASSERT(!out.empty(), "the scoring network has no parameters named head.*");
  return out;
}

/// Trains this network (unless epochs=0: `train --init` refits the calibration alone), then fits
/// its calibration on the held-out groups when there are any.
void Member::pretrain(std::vector<ExampleGroup> &train, const std::vector<ExampleGroup> &valid,
                      bool held_out, const nlohmann::json &corpus) {
  auto t0 = std::chrono::steady_clock::now();
  const bool epochs = options.get_int("epochs") > 0;
  double best = std::nan("");
  if (epochs)
    best = train_epochs(train, valid);
  else
    WT_USER_CHECK(has_weights, BadArgument,
                  kind << ": epochs=0 only refits the score calibration of weights given with "
                       << "`train --init`");
  calibrate(held_out ? valid : train);
  calibrated_on_corpus = true;
  std::cerr << kind << " (seed " << options.seed << "): score calibration slope "
            << calibration.slope << "\n";
  if (epochs) {  // else the loaded weights' training stands
    trained = corpus;
    trained["best_valid_loss"] = best;
    trained["seconds"] = seconds_since(t0);
    trained["seed"] = options.seed;
    trained["aux_weight"] = aux_weight();
    trained["gain_exponent"] = gain_exponent();
  }
  trained["calibrated_on"] = held_out ? "held-out workloads" : "training workloads";
}

void Member::fine_tune(const std::vector<ExampleGroup> &groups) {
  if (!online)
    online = std::make_unique<torch::optim::Adam>(
        online_parameters(*net, options.get_bool("finetune_head")),
        torch::optim::AdamOptions(2e-4).weight_decay(1e-6));
  auto t0 = std::chrono::steady_clock::now();
  const double budget = static_cast<double>(options.get_int("finetune_ms")) / 1000.0;
  const int64_t fixed = options.get_int("finetune_steps");
  for (int64_t step = 0; fixed > 0 ? step < fixed : step < 50 && seconds_since(t0) < budget;
       ++step) {
    std::vector<Chunk> chunks = make_chunks(groups, rng);
    if (chunks.empty()) return;
    online->zero_grad();
    torch::Tensor loss = chunks_loss(
        *net, chunks, 0, std::min<size_t>(chunks.size(), kChunksPerBatch), 0, gain_exponent());
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 0.5);
    online->step();
  }
  centers.clear();  // the scores moved: each task re-centers on its next call
  if (!calibrated_on_corpus) calibrate(groups);
}

/// A weights file's own scoring default, if it has one (checked before anything is loaded).
std::optional<double> scoring_default(const nlohmann::json &j, const std::string &path) {
  if (!j.contains("scoring_defaults")) return std::nullopt;
  const nlohmann::json &d = j["scoring_defaults"];
  const bool ok = d.is_object() && d.size() == 1 && d.contains("pessimism") &&
                  d["pessimism"].is_number() && std::isfinite(d["pessimism"].get<double>()) &&
                  d["pessimism"].get<double>() >= 0;
  WT_USER_CHECK(ok, BadModel,
                path << ": 'scoring_defaults' must be {\"pessimism\": a number of at least 0}, got "
                     << quote_cut(d.dump()));
  return d["pessimism"].get<double>();
}

}  // namespace

struct SequenceModel::Impl {
  std::string kind;
  CostModelOptions options;
  ExampleMaker scoring;
  std::vector<std::unique_ptr<Member>> members;  ///< none until loaded, trained or first used
  std::vector<search::MeasuredState> run;        ///< this run's measurements (online fine-tuning)

  /// The pessimism of the options as made: where the user gave none, a loaded file's own
  /// default replaces it, and a file without one restores it.
  double made_pessimism;

  Impl(const std::string &k, const CostModelOptions &o)
      : kind(k),
        options(o),
        scoring(o.cache_line_bytes),
        made_pessimism(o.get_double("pessimism")) {
    WT_USER_CHECK(o.get_int("members") >= 1 && o.get_int("members") <= kMaxMembers, BadArgument,
                  "option members of cost model '" << kind << "' must be in 1.." << kMaxMembers
                                                   << ", got " << o.get_int("members"));
    Member check(kind, options);  // refuses bad options now, not at first use
  }

  /// `count` members without weights, seeded seed, seed + 1, ...: member 0 is the network a
  /// model of one member would train.
  void make_members(int64_t count) {
    members.clear();
    for (int64_t i = 0; i < count; ++i)
      members.push_back(std::make_unique<Member>(kind, member_options(i)));
  }

  CostModelOptions member_options(int64_t i) const {
    CostModelOptions o = options;
    o.seed += static_cast<uint64_t>(i);
    return o;
  }

  void ensure_weights() {
    if (!members.empty()) return;
    if (!options.get_bool("pretrained")) {
      make_members(options.get_int("members"));
      for (auto &m : members) m->fresh_net();
      return;
    }
    std::string path = shipped_weights(kind, options);
    WT_USER_CHECK(std::filesystem::exists(path), BadModel,
                  "no " << kind << " weights at " << path << ": train them with `worldtune train "
                        << "--model " << kind << "`, give a model file, or set --model-option "
                        << "pretrained=false");
    load(path);
  }

  void load(const std::string &path);

  /// Each member's raw scores of the states (-infinity for a state that does not replay) and,
  /// when asked, its head's last hidden layer per state (empty for those).
  struct Scored {
    std::vector<std::vector<float>> raw;
    std::vector<std::vector<std::vector<float>>> features;
  };
  Scored score(const search::SearchTask &task, const std::vector<schedule::State> &states,
               bool with_features);
  void fit_local();
};

SequenceModel::Impl::Scored SequenceModel::Impl::score(const search::SearchTask &task,
                                                       const std::vector<schedule::State> &states,
                                                       bool with_features) {
  c10::InferenceMode guard;
  Scored out;
  out.raw.assign(members.size(),
                 std::vector<float>(states.size(), -std::numeric_limits<float>::infinity()));
  if (with_features)
    out.features.assign(members.size(), std::vector<std::vector<float>>(states.size()));
  constexpr size_t kBatch = 2048;
  for (size_t from = 0; from < states.size(); from += kBatch) {
    std::vector<Example> ex;
    std::vector<size_t> where;
    for (size_t i = from; i < std::min(states.size(), from + kBatch); ++i) {
      try {
        ex.push_back(scoring.make(task, states[i]));
        where.push_back(i);
      } catch (const UserError &) {  // a state that does not replay keeps -infinity
      }
    }
    if (ex.empty()) continue;
    std::vector<const Example *> ptrs;
    for (const Example &e : ex) ptrs.push_back(&e);
    Batch batch = make_batch(ptrs, false);  // tokenized once, scored by every member
    for (size_t m = 0; m < members.size(); ++m) {
      NetOutput o = members[m]->net->forward(batch);
      torch::Tensor scores = o.scores.contiguous();
      for (size_t k = 0; k < where.size(); ++k) out.raw[m][where[k]] = scores[k].item<float>();
      if (!with_features) continue;
      torch::Tensor f = o.features.contiguous();
      const float *p = f.data_ptr<float>();
      const int64_t w = f.size(1);
      for (size_t k = 0; k < where.size(); ++k)
        out.features[m][where[k]].assign(p + static_cast<int64_t>(k) * w,
                                         p + static_cast<int64_t>(k + 1) * w);
    }
  }
  return out;
}

/// Refits every member's local residual of each task the run measured: the measured log
/// throughput (normalized by the task's best) minus the member's calibrated log prediction,
/// regressed on its last hidden layer.
void SequenceModel::Impl::fit_local() {
  std::map<std::string, std::vector<const search::MeasuredState *>> by_task;
  for (const search::MeasuredState &m : run)
    if (m.result.ok()) by_task[task_key(*m.task)].push_back(&m);
  for (const auto &[key, measured] : by_task) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto *m : measured) best = std::min(best, m->result.mean_cost());
    std::vector<schedule::State> states;
    for (const auto *m : measured) states.push_back(m->state);
    Scored s = score(*measured[0]->task, states, true);
    for (size_t mi = 0; mi < members.size(); ++mi) {
      std::vector<float> cal = members[mi]->calibrated(*measured[0]->task, s.raw[mi]);
      std::vector<std::vector<float>> rows;
      std::vector<double> residual;
      for (size_t i = 0; i < measured.size(); ++i) {
        if (!(cal[i] > 0) || !std::isfinite(cal[i])) continue;
        rows.push_back(s.features[mi][i]);
        residual.push_back(std::log(best / measured[i]->result.mean_cost()) - std::log(cal[i]));
      }
      members[mi]->local[key] = LocalResidual::fit(rows, residual, options.get_double("local"));
    }
  }
}

void SequenceModel::Impl::load(const std::string &path) {
  nlohmann::json j = cost_model::read_model_file(path, kind);
  nlohmann::json want = schema();
  WT_USER_CHECK(j.contains("schema") && j["schema"].is_object(), BadModel,
                path << ": " << kind << " weights without a schema");
  for (const auto &[key, value] : want.items())
    WT_USER_CHECK(j["schema"].contains(key) && j["schema"][key] == value, BadModel,
                  path << ": weights of schema " << key << "="
                       << (j["schema"].contains(key) ? j["schema"][key].dump() : "(none)")
                       << ", this build needs " << value.dump()
                       << " (retrain with `worldtune train --model " << kind << "`)");
  const std::optional<double> file_pessimism = scoring_default(j, path);
  const bool several = j.contains("members");
  WT_USER_CHECK(!several || (j["members"].is_array() && !j["members"].empty() &&
                             static_cast<int64_t>(j["members"].size()) <= kMaxMembers),
                BadModel,
                path << ": 'members' must be a list of 1 to " << kMaxMembers << " networks");
  std::vector<std::unique_ptr<Member>> loaded;  // the model keeps its networks if one fails
  for (size_t i = 0; i < (several ? j["members"].size() : 1); ++i) {
    loaded.push_back(std::make_unique<Member>(kind, member_options(static_cast<int64_t>(i))));
    loaded.back()->load(several ? j["members"][i] : j, path,
                        several ? " (member " + std::to_string(i + 1) + ")" : "");
  }
  members = std::move(loaded);
  const auto &d = options.defaulted;
  if (std::find(d.begin(), d.end(), "pessimism") != d.end())
    options.values["pessimism"] = file_pessimism.value_or(made_pessimism);
}

SequenceModel::SequenceModel(const std::string &kind,
                             const std::vector<cost_model::ModelOptionSpec> &specs,
                             const CostModelOptions &options)
    : impl_(std::make_unique<Impl>(kind, cost_model::with_defaults(options, specs))) {}

SequenceModel::~SequenceModel() = default;

std::string SequenceModel::name() const { return impl_->kind; }

void SequenceModel::update(const std::vector<search::MeasuredState> &measured) {
  const bool online = impl_->options.get_bool("online"),
             local = impl_->options.get_double("local") > 0;
  if (!(online || local) || measured.empty()) return;
  impl_->ensure_weights();
  impl_->run.insert(impl_->run.end(), measured.begin(), measured.end());
  if (online) {
    std::vector<ExampleGroup> groups = impl_->scoring.make_groups(impl_->run);
    for (auto &m : impl_->members) m->fine_tune(groups);
  }
  if (local) impl_->fit_local();
}

void SequenceModel::pretrain(const std::vector<search::MeasuredState> &train,
                             const std::vector<search::MeasuredState> &valid) {
  auto t0 = std::chrono::steady_clock::now();
  if (impl_->members.empty()) impl_->make_members(impl_->options.get_int("members"));
  const double aux = impl_->members[0]->aux_weight();
  ExampleMaker maker(impl_->options.cache_line_bytes, aux > 0 ? 4 : 0),
      plain(impl_->options.cache_line_bytes);
  std::vector<ExampleGroup> train_groups = maker.make_groups(train);
  std::vector<ExampleGroup> valid_groups = plain.make_groups(valid);
  standardize_aux(train_groups);
  std::cerr << impl_->kind << ": " << train_groups.size() << " training groups tokenized in "
            << static_cast<int>(seconds_since(t0)) << " s\n";
  // Held-out workloads calibrate as the search will use it: on tasks the network did not see.
  bool held_out = false;
  for (const ExampleGroup &g : valid_groups) held_out = held_out || g.examples.size() >= 2;
  const nlohmann::json corpus = {{"train_programs", train.size()},
                                 {"valid_programs", valid.size()}};
  for (auto &m : impl_->members) m->pretrain(train_groups, valid_groups, held_out, corpus);
}

std::vector<float> SequenceModel::predict(const search::SearchTask &task,
                                          const std::vector<schedule::State> &states) {
  impl_->ensure_weights();
  const std::string key = task_key(task);
  bool local = false;
  for (const auto &m : impl_->members) local = local || m->local.count(key) > 0;
  Impl::Scored s = impl_->score(task, states, local);
  for (size_t m = 0; m < impl_->members.size(); ++m) {
    Member &member = *impl_->members[m];
    s.raw[m] = member.calibrated(task, std::move(s.raw[m]));
    auto it = member.local.find(key);
    if (it == member.local.end()) continue;
    for (size_t i = 0; i < states.size(); ++i)  // a correction of at most e^20 either way
      if (!s.features[m][i].empty())
        s.raw[m][i] *= static_cast<float>(
            std::exp(std::clamp(it->second.apply(s.features[m][i]), -20.0, 20.0)));
  }
  return combine_members(s.raw, impl_->options.get_double("pessimism"));
}

void SequenceModel::save(const std::string &path) const {
  impl_->ensure_weights();
  nlohmann::json j = {
      {"format", cost_model::kModelFormat}, {"model", impl_->kind}, {"schema", schema()}};
  if (impl_->members.size() == 1) {  // one network: the file as before ensembles existed
    j.update(impl_->members[0]->to_json());
  } else {
    j["members"] = nlohmann::json::array();
    for (const auto &m : impl_->members) j["members"].push_back(m->to_json());
  }
  if (const double p = impl_->options.get_double("pessimism"); p > 0)
    j["scoring_defaults"] = {{"pessimism", p}};
  cost_model::write_model_file(path, j);
}

void SequenceModel::load(const std::string &path) { impl_->load(path); }

}  // namespace worldtune::world
