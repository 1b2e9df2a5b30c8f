/// \file The world model's network, batches and ranking loss.
#include "world/nets.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "tokens/head_inputs.h"
#include "worldtune/error.h"

namespace worldtune::world {

namespace nn = torch::nn;
using torch::indexing::Slice;

nlohmann::json NetConfig::to_json() const {
  return {{"kind", kind},         {"d", d},
          {"hidden", hidden},     {"transition", transition},
          {"hardware", hardware}, {"readout", readout}};
}

NetConfig NetConfig::from_json(const nlohmann::json &j, const std::string &path) {
  NetConfig c;
  auto get = [&](const char *k, auto &v) {
    WT_USER_CHECK(j.is_object() && j.contains(k) && !j[k].is_null(), BadModel,
                  path << ": network config lacks '" << k << "'");
    try {
      v = j[k].get<std::decay_t<decltype(v)>>();
    } catch (const std::exception &) {
      throw UserError(ErrorKind::BadModel,
                      path + ": network config '" + k + "' has the wrong type");
    }
  };
  get("kind", c.kind), get("d", c.d), get("hidden", c.hidden), get("transition", c.transition),
      get("hardware", c.hardware);
  if (j.contains("readout")) get("readout", c.readout);
  WT_USER_CHECK(c.d > 0 && c.d <= 1024 && c.hidden > 0 && c.hidden <= 4096, BadModel,
                path << ": network config has impossible sizes");
  return c;
}

namespace {

torch::Tensor floats(const std::vector<float> &v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float *>(v.data()), shape, torch::kFloat32).clone();
}
torch::Tensor longs(const std::vector<int64_t> &v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<int64_t *>(v.data()), shape, torch::kInt64).clone();
}

nn::Sequential mlp(int in, int hidden, int out) {
  return nn::Sequential(nn::Linear(in, hidden), nn::ReLU(), nn::Linear(hidden, out));
}

struct TaskPlace {
  int64_t index = 0;  ///< the task's row in the per-task tensors
  int64_t base = 0;   ///< its first stage row
};

/// Stacks the stage rows of the batch's distinct tasks.
std::map<const TaskInputs *, TaskPlace> stack_tasks(const std::vector<const Example *> &ex,
                                                    Batch &b) {
  std::map<const TaskInputs *, TaskPlace> first;
  std::vector<const TaskInputs *> order;
  int64_t n = 0;
  for (const Example *e : ex)
    if (first.emplace(e->task.get(), TaskPlace{static_cast<int64_t>(order.size()), n}).second)
      order.push_back(e->task.get()), n += e->task->program.num_stages;
  const int64_t t = static_cast<int64_t>(order.size());
  std::vector<float> rows, global, hw, adj(n * n, 0.0f), pool(t * n, 0.0f);
  for (int64_t k = 0; k < t; ++k) {
    const TaskInputs *in = order[k];
    const int64_t base = first[in].base, s = in->program.num_stages;
    rows.insert(rows.end(), in->program.rows.begin(), in->program.rows.end());
    global.insert(global.end(), in->program.global.begin(), in->program.global.end());
    hw.insert(hw.end(), in->hardware.begin(), in->hardware.end());
    for (int64_t i = 0; i < s; ++i) {
      pool[k * n + base + i] = 1.0f / static_cast<float>(s);
      const std::vector<int> &p = in->program.producers[i];
      for (int q : p) adj[(base + i) * n + base + q] = 1.0f / static_cast<float>(p.size());
    }
  }
  b.rows = floats(rows, {n, tokens::kProgramRowWidth});
  b.adjacency = floats(adj, {n, n});
  b.task_pool = floats(pool, {t, n});
  b.global_rows = floats(global, {t, tokens::kGlobalRowWidth});
  b.hardware = floats(hw, {t, tokens::kHardwareWidth});
  return first;
}

void add_aux(const std::vector<const Example *> &ex, int64_t T, Batch &b) {
  std::vector<std::vector<std::pair<int64_t, const std::vector<float> *>>> by_step(T);
  for (size_t i = 0; i < ex.size(); ++i)
    for (const auto &[t, target] : ex[i]->aux)
      by_step[t].push_back({static_cast<int64_t>(i), &target});
  std::vector<int64_t> program;
  std::vector<float> target;
  b.aux_offsets = {0};
  for (const auto &entries : by_step) {
    for (const auto &[i, v] : entries)
      program.push_back(i), target.insert(target.end(), v->begin(), v->end());
    b.aux_offsets.push_back(static_cast<int64_t>(program.size()));
  }
  const int64_t k = static_cast<int64_t>(program.size());
  b.aux_program = longs(program, {k});
  b.aux_target = floats(target, {k, aux_target_width()});
}

}  // namespace

Batch make_batch(const std::vector<const Example *> &ex, bool with_aux) {
  Batch b;
  b.size = static_cast<int64_t>(ex.size());
  std::map<const TaskInputs *, TaskPlace> place = stack_tasks(ex, b);
  const int64_t n_rows = b.rows.size(0);
  int64_t S = 1, T = 1;
  for (const Example *e : ex)
    S = std::max<int64_t>(S, e->seq.num_slots()), T = std::max<int64_t>(T, e->seq.num_steps());
  const int64_t B = b.size, W = tokens::kTokenWidth;
  std::vector<int64_t> task_of(B), slot_init(B * S, n_rows), slot(B * T, 0), target(B * T, 0);
  std::vector<float> slot_mask(B * S, 0.0f), step_mask(B * T, 0.0f), toks(B * T * W, 0.0f), summary,
      labels;
  for (int64_t i = 0; i < B; ++i) {
    const Example &e = *ex[i];
    const TaskPlace &at = place[e.task.get()];
    const int64_t base = at.base;
    task_of[i] = at.index;
    for (int s = 0; s < e.seq.num_slots(); ++s)
      slot_init[i * S + s] = base + e.seq.slot_source[s], slot_mask[i * S + s] = 1.0f;
    for (int t = 0; t < e.seq.num_steps(); ++t)
      slot[i * T + t] = e.seq.slot[t], target[i * T + t] = e.seq.target_slot[t],
                   step_mask[i * T + t] = 1.0f;
    std::copy(e.seq.tokens.begin(), e.seq.tokens.end(), toks.begin() + i * T * W);
    summary.insert(summary.end(), e.summary.begin(), e.summary.end());
    labels.push_back(e.label);
  }
  b.task_of = longs(task_of, {B});
  b.slot_init = longs(slot_init, {B, S});
  b.slot_mask = floats(slot_mask, {B, S});
  b.tokens = floats(toks, {B, T, W});
  b.slot = longs(slot, {B, T});
  b.target = longs(target, {B, T});
  b.step_mask = floats(step_mask, {B, T});
  b.summary = floats(summary, {B, tokens::kActionSummaryWidth});
  b.labels = floats(labels, {B});
  if (with_aux) add_aux(ex, T, b);
  return b;
}

ProgramEncoder::ProgramEncoder(const NetConfig &c) : config_(c) {
  const int d = c.d, h = c.hidden;
  stage_enc_ = register_module("stage_enc", mlp(tokens::kProgramRowWidth, h, d));
  message_ = register_module("message", mlp(2 * d, h, d));
  global_enc_ = register_module("global_enc", mlp(d + tokens::kGlobalRowWidth, h, d));
  token_enc_ = register_module("token_enc", mlp(tokens::kTokenWidth, h, d));
  stage_norm_ = register_module("stage_norm", nn::LayerNorm(nn::LayerNormOptions({d})));
  global_norm_ = register_module("global_norm", nn::LayerNorm(nn::LayerNormOptions({d})));
  const int head_in = 2 * d + tokens::kActionSummaryWidth + tokens::kHardwareWidth;
  head_ = register_module("head", nn::Sequential(nn::Linear(head_in, h), nn::ReLU(),
                                                 nn::Linear(h, h), nn::ReLU(), nn::Linear(h, 1)));
}

std::pair<torch::Tensor, torch::Tensor> ProgramEncoder::encode(const Batch &b) {
  torch::Tensor enc = stage_enc_->forward(b.rows);
  enc = stage_norm_->forward(enc + message_->forward(torch::cat({enc, b.adjacency.mm(enc)}, 1)));
  torch::Tensor task_g = global_norm_->forward(
      global_enc_->forward(torch::cat({b.task_pool.mm(enc), b.global_rows}, 1)));
  return {torch::cat({enc, torch::zeros({1, config_.d})}, 0), task_g};
}

torch::Tensor ProgramEncoder::head(const Batch &b, const torch::Tensor &pooled,
                                   const torch::Tensor &global, torch::Tensor *features) {
  torch::Tensor hw = b.hardware.index_select(0, b.task_of);
  if (!config_.hardware) hw = torch::zeros_like(hw);
  // head_'s layers one by one (Linear, ReLU, Linear, ReLU, Linear): the last hidden layer is
  // what a run's local residual regresses on.
  torch::Tensor x = torch::cat({pooled, global, b.summary, hw}, 1);
  x = torch::relu(head_->at<nn::LinearImpl>(0).forward(x));
  x = torch::relu(head_->at<nn::LinearImpl>(2).forward(x));
  if (features) *features = x;
  return head_->at<nn::LinearImpl>(4).forward(x).squeeze(1);
}

namespace {

torch::Tensor masked_mean(const torch::Tensor &z, const torch::Tensor &mask) {
  auto m = mask.unsqueeze(-1);
  return (z * m).sum(1) / m.sum(1).clamp_min(1.0f);
}

}  // namespace

WorldNet::WorldNet(const NetConfig &c) : config_(c) {
  const int d = c.d, h = c.hidden;
  encoder_ = register_module("encoder", std::make_shared<ProgramEncoder>(c));
  step_ = register_module("step", mlp(4 * d, h, d));
  global_step_ = register_module("global_step", mlp(3 * d, h, d));
  step_norm_ = register_module("step_norm", nn::LayerNorm(nn::LayerNormOptions({d})));
  global_norm_ = register_module("global_norm", nn::LayerNorm(nn::LayerNormOptions({d})));
  aux_ = register_module("aux", nn::Linear(2 * d, aux_target_width()));
}

std::pair<torch::Tensor, torch::Tensor> WorldNet::roll(const Batch &b, torch::Tensor z,
                                                       torch::Tensor g, NetOutput &out) {
  torch::Tensor e = encoder_->embed_tokens(b);  // [B, T, d]
  // The mean step embedding: the bag of actions in place of dynamics, or the readout beside them
  // (not computed otherwise: scoring runs this for every candidate).
  torch::Tensor actions =
      !config_.transition || config_.readout ? masked_mean(e, b.step_mask) : torch::Tensor();
  if (!config_.transition) {  // bag of actions: the mean step embedding stands in for dynamics
    return {masked_mean(z, b.slot_mask) + actions, g};
  }
  // Programs sorted by length, longest first: step t then updates only the first n_t rows (those
  // still running) instead of masking a full batch, which saves a third of the work on sketches.
  torch::Tensor length = b.step_mask.sum(1).to(torch::kInt64);
  torch::Tensor order = length.argsort(0, true), inverse = order.argsort(0, false);
  std::vector<int64_t> sorted_len(length.size(0));
  torch::Tensor lens = length.index_select(0, order).contiguous();
  std::copy(lens.data_ptr<int64_t>(), lens.data_ptr<int64_t>() + lens.numel(), sorted_len.begin());
  z = z.index_select(0, order), g = g.index_select(0, order);
  e = e.index_select(0, order);
  torch::Tensor slot = b.slot.index_select(0, order), target = b.target.index_select(0, order);
  torch::Tensor slot_mask = b.slot_mask.index_select(0, order);
  std::vector<torch::Tensor> aux_pred;
  int64_t running = static_cast<int64_t>(sorted_len.size());
  for (int64_t t = 0; t < e.size(1); ++t) {
    while (running > 0 && sorted_len[running - 1] <= t) --running;
    if (running == 0) break;
    torch::Tensor rows = torch::arange(running, torch::kInt64);
    torch::Tensor own = slot.narrow(0, 0, running).select(1, t);
    torch::Tensor gt = g.narrow(0, 0, running), et = e.narrow(0, 0, running).select(1, t);
    torch::Tensor zs = z.index({rows, own}),
                  zt = z.index({rows, target.narrow(0, 0, running).select(1, t)});
    torch::Tensor next = step_norm_->forward(zs + step_->forward(torch::cat({zs, zt, gt, et}, 1)));
    torch::Tensor next_g =
        global_norm_->forward(gt + global_step_->forward(torch::cat({gt, et, next}, 1)));
    // In place: no backward function reads z or g themselves (gathers keep indices, concatenations
    // and layers keep their own inputs), so autograd allows it.
    z.index_put_({rows, own}, next);
    g.narrow(0, 0, running).copy_(next_g);
    if (!b.aux_offsets.empty() && b.aux_offsets[t + 1] > b.aux_offsets[t]) {
      torch::Tensor who = inverse.index_select(
          0, b.aux_program.index({Slice(b.aux_offsets[t], b.aux_offsets[t + 1])}));
      torch::Tensor pooled =
          torch::cat({masked_mean(z.index_select(0, who), slot_mask.index_select(0, who)),
                      g.index_select(0, who)},
                     1);
      aux_pred.push_back(aux_->forward(pooled));
    }
  }
  if (!aux_pred.empty()) out.aux_pred = torch::cat(aux_pred, 0);
  torch::Tensor pooled = masked_mean(z, slot_mask).index_select(0, inverse);
  return {config_.readout ? pooled + actions : pooled, g.index_select(0, inverse)};
}

NetOutput WorldNet::forward(const Batch &b) {
  auto [stages, task_g] = encoder_->encode(b);
  torch::Tensor z = stages.index({b.slot_init});  // [B, S, d]
  torch::Tensor g = task_g.index_select(0, b.task_of);
  NetOutput out;
  auto [pooled, global] = roll(b, z, g, out);
  out.scores = encoder_->head(b, pooled, global, &out.features);
  return out;
}

TlpNet::TlpNet(const NetConfig &c) : config_(c) {
  WT_USER_CHECK(c.d % kHeads == 0, BadArgument,
                "tlp's latent width d=" << c.d << " must be a multiple of its " << kHeads
                                        << " attention heads");
  encoder_ = register_module("encoder", std::make_shared<ProgramEncoder>(c));
  position_ = register_module("position", nn::Embedding(kMaxPositions, c.d));
  auto layer = nn::TransformerEncoderLayer(
      nn::TransformerEncoderLayerOptions(c.d, kHeads).dim_feedforward(c.hidden).dropout(0.0));
  attention_ = register_module("attention", nn::TransformerEncoder(layer, 2));
}

NetOutput TlpNet::forward(const Batch &b) {
  auto [stages, task_g] = encoder_->encode(b);
  const int64_t T = b.tokens.size(1);
  torch::Tensor pos = torch::arange(T, torch::kInt64).clamp_max(kMaxPositions - 1);
  torch::Tensor x = encoder_->embed_tokens(b) + position_->forward(pos).unsqueeze(0);
  // The transformer takes [T, B, d]; padded steps are masked out of the attention.
  // Position 0 always attends: a program without steps would otherwise mask every key (NaN).
  torch::Tensor ignore = b.step_mask.eq(0);
  ignore.select(1, 0).fill_(false);
  torch::Tensor y = attention_->forward(x.transpose(0, 1), {}, ignore).transpose(0, 1);
  NetOutput out;
  out.scores = encoder_->head(b, masked_mean(y, b.step_mask), task_g.index_select(0, b.task_of),
                              &out.features);
  return out;
}

std::shared_ptr<ScoringNet> make_net(const NetConfig &config) {
  using Factory = std::shared_ptr<ScoringNet> (*)(const NetConfig &);
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"world",
       [](const NetConfig &c) -> std::shared_ptr<ScoringNet> {
         return std::make_shared<WorldNet>(c);
       }},
      {"tlp",
       [](const NetConfig &c) -> std::shared_ptr<ScoringNet> {
         return std::make_shared<TlpNet>(c);
       }},
  };
  for (const auto &[kind, make] : table)
    if (kind == config.kind) return make(config);
  throw UserError(ErrorKind::BadModel, "weights of an unknown network kind '" + config.kind + "'");
}

torch::Tensor lambdarank_loss(const torch::Tensor &scores, const torch::Tensor &labels,
                              const std::vector<int64_t> &offsets, double gain_exponent) {
  const int64_t C = static_cast<int64_t>(offsets.size()) - 1, B = scores.size(0);
  int64_t n = 1;
  for (int64_t c = 0; c < C; ++c) n = std::max(n, offsets[c + 1] - offsets[c]);
  std::vector<int64_t> idx(C * n, B);  // B: the pad entry appended below
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = offsets[c]; i < offsets[c + 1]; ++i) idx[c * n + i - offsets[c]] = i;
  torch::Tensor index = longs(idx, {C, n});
  torch::Tensor s = torch::cat({scores, torch::zeros({1})}).index({index});
  torch::Tensor y = torch::cat({labels, torch::full({1}, -1.0f)}).index({index});
  torch::Tensor valid = y.ge(0);
  torch::Tensor gain = y.clamp_min(0);
  if (gain_exponent > 0) gain = torch::exp2(gain * gain_exponent) - 1.0f;
  torch::Tensor sd = s.detach().masked_fill(valid.logical_not(), -1e30);
  torch::Tensor rank = sd.argsort(1, true).argsort(1, false).to(torch::kFloat32);
  torch::Tensor disc = 1.0f / torch::log2(rank + 2.0f);
  torch::Tensor ideal_disc = 1.0f / torch::log2(torch::arange(n, torch::kFloat32) + 2.0f);
  torch::Tensor idcg = (std::get<0>(gain.sort(1, true)) * ideal_disc).sum(1, true).clamp_min(1e-6);
  torch::Tensor pairs = (y.unsqueeze(2) > y.unsqueeze(1)) & valid.unsqueeze(2) & valid.unsqueeze(1);
  torch::Tensor weight = ((gain.unsqueeze(2) - gain.unsqueeze(1)).abs() *
                          (disc.unsqueeze(2) - disc.unsqueeze(1)).abs() / idcg.unsqueeze(2)) *
                         pairs.to(torch::kFloat32);
  torch::Tensor pair_loss = torch::nn::functional::softplus(-(s.unsqueeze(2) - s.unsqueeze(1)));
  torch::Tensor per_chunk = (pair_loss * weight).sum({1, 2}) / weight.sum({1, 2}).clamp_min(1e-9);
  return per_chunk.mean();
}

nlohmann::json params_to_json(torch::nn::Module &net) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto &p : net.named_parameters()) {
    torch::Tensor v = p.value().detach().contiguous();
    // Seven significant digits: the weights file stays small and loads to the same floats'
    // nearest neighbours (training noise is far larger).
    std::vector<double> data;
    for (const float *x = v.data_ptr<float>(), *end = x + v.numel(); x != end; ++x) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(*x));
      data.push_back(std::strtod(buf, nullptr));
    }
    out[p.key()] = {{"shape", v.sizes().vec()}, {"data", data}};
  }
  return out;
}

void params_from_json(torch::nn::Module &net, const nlohmann::json &j, const std::string &path) {
  torch::NoGradGuard no_grad;
  for (auto &p : net.named_parameters()) {
    WT_USER_CHECK(j.is_object() && j.contains(p.key()), BadModel,
                  path << ": weights lack parameter '" << p.key() << "'");
    const nlohmann::json &w = j[p.key()];
    std::vector<int64_t> shape;
    std::vector<float> data;
    try {
      shape = w.at("shape").get<std::vector<int64_t>>();
      data = w.at("data").get<std::vector<float>>();
    } catch (const std::exception &) {
      throw UserError(ErrorKind::BadModel, path + ": parameter '" + p.key() + "' is malformed");
    }
    WT_USER_CHECK(
        shape == p.value().sizes().vec() && static_cast<int64_t>(data.size()) == p.value().numel(),
        BadModel, path << ": parameter '" << p.key() << "' has the wrong shape");
    p.value().copy_(floats(data, shape));
  }
}

}  // namespace worldtune::world
