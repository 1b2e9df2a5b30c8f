/// \file The sequence cost models `world` and `tlp`, one class told apart by its network.
///
/// `world` (seed paper; docs/ARCHITECTURE.md "The world model"): encodes the
/// initial program once per task, rolls each candidate's steps through a learned latent
/// transition and ranks candidates from the final latents, the action summary and the hardware.
/// It never lowers a candidate or computes its features; training alone replays prefixes for the
/// auxiliary world loss. Pretrained with `worldtune train --model world`; the shipped weights
/// (default_weights, listed in data/models/README.md) are loaded unless a model file is given; with
/// `online`, it fine-tunes on the run's own measurements after each round. A model may hold several
/// networks
/// (`members`, trained with consecutive seeds): it scores the geometric mean of their calibrated
/// scores, tokenizing each candidate once. A weights file may name its own scoring default
/// (`"scoring_defaults": {"pessimism": p}`, written when trained with pessimism > 0), used
/// unless the user sets the option.
///
/// `tlp`: the sequence baseline without dynamics (TLP, Zhai et al. 2023): self-attention over the
/// same step tokens, same encoder, head, corpus and training, so the transition's value is
/// measured. The header is torch-free: libtorch is linked by this library alone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cost_model/model_file.h"
#include "search/cost_model.h"

namespace worldtune::world {

/// Options every sequence model has (`kind` names its shipped weights in the help).
std::vector<cost_model::ModelOptionSpec> sequence_option_specs(const std::string &kind);
/// The entries' options: tlp has the common ones, world adds its ablation switches.
std::vector<cost_model::ModelOptionSpec> tlp_option_specs();
std::vector<cost_model::ModelOptionSpec> world_option_specs();

/// Where the shipped weights of `kind` are read from when no model file is given.
std::string default_weights(const std::string &kind);
/// The weights a model of `kind` with these options (defaults filled in) loads when no model
/// file is given: default_weights(kind) when pretrained, else "" (it starts from random ones).
std::string shipped_weights(const std::string &kind, const cost_model::CostModelOptions &options);

class SequenceModel : public search::CostModel {
 public:
  /// kind: the network ("world" or "tlp", nets.cpp's table); specs: the entry's options.
  SequenceModel(const std::string &kind, const std::vector<cost_model::ModelOptionSpec> &specs,
                const cost_model::CostModelOptions &options);
  ~SequenceModel() override;
  SequenceModel(const SequenceModel &) = delete;
  SequenceModel &operator=(const SequenceModel &) = delete;

  std::string name() const override;
  void update(const std::vector<search::MeasuredState> &measured) override;
  void pretrain(const std::vector<search::MeasuredState> &train,
                const std::vector<search::MeasuredState> &valid) override;
  std::vector<float> predict(const search::SearchTask &task,
                             const std::vector<schedule::State> &states) override;
  void save(const std::string &path) const override;
  void load(const std::string &path) override;
  bool trains_from_loaded() const override { return true; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace worldtune::world
