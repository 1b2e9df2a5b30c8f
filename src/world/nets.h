/// \file The sequence models' networks (libtorch; included only by src/world's .cpp files and its
/// test). `world`: a state encoder over the initial program's stages, a latent transition applied
/// once per step to the slot the step names, and a head over the final latents, the action summary
/// and the hardware. `tlp`: the same encoder and head, but self-attention over the step tokens
/// (TLP, Zhai et al. 2023) instead of a latent state and its dynamics. Also the batch layout
/// shared by training and scoring, and the LambdaRank loss.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "world/examples.h"

namespace worldtune::world {

struct NetConfig {
  std::string kind = "world";  ///< world or tlp
  int d = 64;                  ///< latent width
  int hidden = 128;            ///< MLP width
  bool transition = true;  ///< world: false makes a bag of action embeddings replace the dynamics
  bool hardware = true;    ///< false: the head sees zeros for the hardware vector (ablation)
  /// world: the head also sees the mean action embedding beside the rolled latents, so what the
  /// actions are need not survive every later transition (files without the field: false).
  bool readout = false;

  nlohmann::json to_json() const;
  /// Throws UserError(BadModel) naming the field that is missing or wrong.
  static NetConfig from_json(const nlohmann::json &j, const std::string &path);
};

/// Examples as tensors. Stage rows of all distinct tasks are stacked; each program's slots index
/// them (a pad index past the end reads zeros).
struct Batch {
  int64_t size = 0;
  torch::Tensor rows, adjacency, task_pool, global_rows, hardware;  // per stage / per task
  torch::Tensor task_of;                  ///< [B] task index of each program
  torch::Tensor slot_init, slot_mask;     ///< [B, S]
  torch::Tensor tokens;                   ///< [B, T, W]
  torch::Tensor slot, target, step_mask;  ///< [B, T]
  torch::Tensor summary, labels;          ///< [B, .], [B]
  /// Auxiliary targets sorted by step: rows aux_offsets[t]..aux_offsets[t+1] belong to step t.
  std::vector<int64_t> aux_offsets;
  torch::Tensor aux_program, aux_target;  ///< [K] program index, [K, aux width]
};

Batch make_batch(const std::vector<const Example *> &examples, bool with_aux);

struct NetOutput {
  torch::Tensor scores;    ///< [B]
  torch::Tensor aux_pred;  ///< [K, aux width], undefined without auxiliary targets
  torch::Tensor features;  ///< [B, hidden]: the head's last hidden layer
};

/// A network that scores a batch (world or tlp).
class ScoringNet : public torch::nn::Module {
 public:
  virtual NetOutput forward(const Batch &b) = 0;
};

/// What both networks share: the stage encoder (an MLP per stage row, then one message pass along
/// producer edges), the per-task global latent, the step-token embedding and the head.
class ProgramEncoder : public torch::nn::Module {
 public:
  explicit ProgramEncoder(const NetConfig &c);
  /// Stage latents [rows + 1 (zeros), d] and per-task global latents [tasks, d].
  std::pair<torch::Tensor, torch::Tensor> encode(const Batch &b);
  torch::Tensor embed_tokens(const Batch &b) { return token_enc_->forward(b.tokens); }
  /// Score from the pooled sequence state [B, d], a global latent [B, d], summary and hardware;
  /// `features`, when given, receives the head's last hidden layer [B, hidden].
  torch::Tensor head(const Batch &b, const torch::Tensor &pooled, const torch::Tensor &global,
                     torch::Tensor *features = nullptr);

 private:
  NetConfig config_;
  torch::nn::Sequential stage_enc_{nullptr}, message_{nullptr}, global_enc_{nullptr},
      token_enc_{nullptr}, head_{nullptr};
  torch::nn::LayerNorm stage_norm_{nullptr}, global_norm_{nullptr};
};

class WorldNet : public ScoringNet {
 public:
  explicit WorldNet(const NetConfig &config);
  NetOutput forward(const Batch &b) override;

 private:
  /// Final latents: the stage latents pooled, and the global latent; aux predictions on the way.
  std::pair<torch::Tensor, torch::Tensor> roll(const Batch &b, torch::Tensor z, torch::Tensor g,
                                               NetOutput &out);

  NetConfig config_;
  std::shared_ptr<ProgramEncoder> encoder_;
  torch::nn::Sequential step_{nullptr}, global_step_{nullptr};
  torch::nn::LayerNorm step_norm_{nullptr}, global_norm_{nullptr};
  torch::nn::Linear aux_{nullptr};
};

class TlpNet : public ScoringNet {
 public:
  explicit TlpNet(const NetConfig &config);
  NetOutput forward(const Batch &b) override;

 private:
  static constexpr int kMaxPositions = 128, kHeads = 4;
  NetConfig config_;
  std::shared_ptr<ProgramEncoder> encoder_;
  torch::nn::Embedding position_{nullptr};
  torch::nn::TransformerEncoder attention_{nullptr};
};

/// The network of config.kind; throws UserError(BadModel) for an unknown kind.
std::shared_ptr<ScoringNet> make_net(const NetConfig &config);

/// LambdaRank (Burges 2010) over chunks of programs of one group each: chunk c holds programs
/// offsets[c]..offsets[c+1]. Pairs are weighted by the NDCG change of swapping them; the gain of
/// a normalized throughput y is y itself, or 2^(gain_exponent * y) - 1 when gain_exponent > 0
/// (graded relevance as in NDCG: the order among the fastest programs weighs more). The loss is
/// the weighted logistic pair loss averaged over chunks.
torch::Tensor lambdarank_loss(const torch::Tensor &scores, const torch::Tensor &labels,
                              const std::vector<int64_t> &offsets, double gain_exponent = 0);

/// Parameters as JSON ({name: {"shape": [...], "data": [...]}}) and back; loading throws
/// UserError(BadModel) naming the parameter that is missing or misshapen.
nlohmann::json params_to_json(torch::nn::Module &net);
void params_from_json(torch::nn::Module &net, const nlohmann::json &j, const std::string &path);

}  // namespace worldtune::world
