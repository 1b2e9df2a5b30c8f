/// \file Tokenizing transform steps while replaying them.
#include "tokens/step_tokens.h"

#include "tokens/program_rows.h"
#include "worldtune/error.h"

namespace worldtune::tokens {

namespace {

using namespace schedule;

/// Writes one step's numbers, reading the state before the step is applied.
class TokenWriter {
 public:
  TokenWriter(const State &state, const std::vector<Step> &history, float *token)
      : s_(state), history_(history), t_(token) {}

  void operator()(const SplitStep &x) {
    iter(x.stage, x.iter);
    lengths(x.stage, x.iter, x.lengths);
    t_[kSplitAt + kMaxSplitParts + 3] = x.inner_to_outer ? 1.0f : 0.0f;
  }
  void operator()(const FollowSplitStep &x) {
    iter(x.stage, x.iter);
    lengths(x.stage, x.iter, follow_split_lengths(history_, x));
    t_[kFollowAt] = static_cast<float>(x.n_split) / 4.0f;
  }
  void operator()(const FollowFusedSplitStep &x) {
    iter(x.stage, x.iter);
    lengths(x.stage, x.iter, {follow_fused_split_length(history_, x)});
    t_[kFollowAt] = static_cast<float>(x.level) / 4.0f;
    t_[kFollowAt + 1] = static_cast<float>(x.src_step_ids.size()) / 4.0f;
  }
  void operator()(const ReorderStep &x) {
    stage(x.stage);
    size_t n = x.order.size(), inverted = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j) inverted += x.order[i] > x.order[j] ? 1 : 0;
    t_[kReorderAt] = static_cast<float>(n) / 8.0f;
    t_[kReorderAt + 1] =
        n > 1 ? 2.0f * static_cast<float>(inverted) / static_cast<float>(n * (n - 1)) : 0.0f;
  }
  void operator()(const FuseStep &x) {
    stage(x.stage);
    double extent = 1;
    for (int i : x.iters) extent *= static_cast<double>(s_.stage(x.stage).iters.at(i).extent);
    t_[kFuseAt] = static_cast<float>(x.iters.size()) / 4.0f;
    t_[kFuseAt + 1] = log2p(extent);
  }
  void operator()(const AnnotationStep &x) {
    iter(x.stage, x.iter);
    if (x.annotation >= 0 && x.annotation < kNumAnnotations) t_[kAnnotationAt + x.annotation] = 1;
  }
  void operator()(const PragmaStep &x) {
    iter(x.stage, x.iter);
    const std::string prefix = "auto_unroll_max_step$";
    if (x.pragma.rfind(prefix, 0) == 0)
      t_[kUnrollAt] = log2p(std::stod(x.pragma.substr(prefix.size())));
  }
  void operator()(const ComputeAtStep &x) {
    stage(x.stage);
    const Stage &target = s_.stage(x.target_stage);
    double trips = 1;
    for (int i = 0; i <= x.target_iter && i < static_cast<int>(target.iters.size()); ++i)
      trips *= static_cast<double>(target.iters[i].extent);
    t_[kComputeAtAt] = position(x.target_iter, target);
    t_[kComputeAtAt + 1] = log2p(static_cast<double>(target.iters.at(x.target_iter).extent));
    t_[kComputeAtAt + 2] = log2p(trips);
  }
  void operator()(const ComputeInlineStep &x) { stage(x.stage); }
  void operator()(const ComputeRootStep &x) { stage(x.stage); }
  void operator()(const CacheReadStep &x) {
    stage(x.stage);
    t_[kCacheAt] = static_cast<float>(x.readers.size()) / 4.0f;
  }
  void operator()(const CacheWriteStep &x) { stage(x.stage); }
  void operator()(const RfactorStep &x) {
    iter(x.stage, x.iter);
    t_[kRfactorAt] = static_cast<float>(x.factor_iter_id) / 4.0f;
  }

 private:
  static float position(int i, const Stage &st) {
    return st.iters.size() > 1 ? static_cast<float>(i) / static_cast<float>(st.iters.size() - 1)
                               : 0.0f;
  }
  void stage(int id) {
    const Stage &st = s_.stage(id);
    t_[kStageAt] = s_.dag().access(st.op_id).is_output ? 1.0f : 0.0f;
    t_[kStageAt + 1] = s_.has_reduce_iter(id) ? 1.0f : 0.0f;
    t_[kStageAt + 2] = log2p(static_cast<double>(st.iters.size()));
  }
  void iter(int stage_id, int i) {
    stage(stage_id);
    const Iterator &it = s_.stage(stage_id).iters.at(i);
    t_[kIterAt + static_cast<int>(it.kind)] = 1.0f;
    t_[kIterAt + kNumIterKinds] = log2p(static_cast<double>(it.extent));
    t_[kIterAt + kNumIterKinds + 1] = position(i, s_.stage(stage_id));
  }
  void lengths(int stage_id, int i, const std::vector<std::optional<int64_t>> &parts) {
    double product = 1;
    for (size_t k = 0; k < parts.size(); ++k) {
      double v = static_cast<double>(parts[k].value_or(1));
      if (k < kMaxSplitParts) t_[kSplitAt + 1 + k] = log2p(v);
      product *= v;
    }
    double extent = static_cast<double>(s_.stage(stage_id).iters.at(i).extent);
    t_[kSplitAt] = static_cast<float>(parts.size()) / 4.0f;
    t_[kSplitAt + kMaxSplitParts + 1] = log2p(product);
    t_[kSplitAt + kMaxSplitParts + 2] = log2p(product > 0 ? extent / product : 0.0);
  }

  const State &s_;
  const std::vector<Step> &history_;
  float *t_;
};

/// Where a step inserts a stage (its id once applied) and the stage it derives from (its id
/// before), or nullopt for steps that insert none. One overload per step kind, no default: a new
/// kind must say whether it inserts a stage, or every later slot would be wrong.
struct InsertedStage {
  using Result = std::optional<std::pair<int, int>>;
  Result operator()(const CacheReadStep &x) const { return std::pair{x.stage + 1, x.stage}; }
  Result operator()(const CacheWriteStep &x) const { return std::pair{x.stage, x.stage}; }
  Result operator()(const RfactorStep &x) const { return std::pair{x.stage, x.stage}; }
  Result operator()(const SplitStep &) const { return std::nullopt; }
  Result operator()(const FollowSplitStep &) const { return std::nullopt; }
  Result operator()(const FollowFusedSplitStep &) const { return std::nullopt; }
  Result operator()(const ReorderStep &) const { return std::nullopt; }
  Result operator()(const FuseStep &) const { return std::nullopt; }
  Result operator()(const AnnotationStep &) const { return std::nullopt; }
  Result operator()(const PragmaStep &) const { return std::nullopt; }
  Result operator()(const ComputeAtStep &) const { return std::nullopt; }
  Result operator()(const ComputeInlineStep &) const { return std::nullopt; }
  Result operator()(const ComputeRootStep &) const { return std::nullopt; }
};

static_assert(static_cast<int>(IterAnnotation::Tensorize) + 1 == kNumAnnotations,
              "the annotation one-hot must cover every annotation");
static_assert(static_cast<int>(IterKind::Special) + 1 == kNumIterKinds,
              "the iterator-kind one-hot must cover every kind");

}  // namespace

TokenSequence tokenize(const std::shared_ptr<const ir::ComputeDAG> &dag,
                       const std::vector<Step> &steps, const PrefixVisitor &on_prefix) {
  TokenSequence seq;
  State state(dag);
  std::vector<int> slot_of;  // current stage id -> slot
  for (int i = 0; i < state.num_stages(); ++i) slot_of.push_back(i), seq.slot_source.push_back(i);
  seq.tokens.assign(steps.size() * kTokenWidth, 0.0f);
  for (size_t t = 0; t < steps.size(); ++t) {
    const Step &step = steps[t];
    float *token = seq.tokens.data() + t * kTokenWidth;
    token[kKindAt + static_cast<int>(step.index())] = 1.0f;
    try {
      std::visit(TokenWriter(state, state.steps(), token), step);
      int own = slot_of.at(step_stage(step)), read = own;
      if (const auto *ca = std::get_if<ComputeAtStep>(&step)) read = slot_of.at(ca->target_stage);
      state.apply(step);
      if (auto ins = std::visit(InsertedStage{}, step)) {
        int fresh = seq.num_slots();
        seq.slot_source.push_back(seq.slot_source[slot_of.at(ins->second)]);
        slot_of.insert(slot_of.begin() + ins->first, fresh);
        own = fresh;
      }
      seq.slot.push_back(own);
      seq.target_slot.push_back(read);
    } catch (const std::exception &e) {
      throw UserError(ErrorKind::BadSchedule,
                      "step " + std::to_string(t) + " (" + step_tag(step) + "): " + e.what());
    }
    if (on_prefix) on_prefix(static_cast<int>(t), state);
  }
  return seq;
}

}  // namespace worldtune::tokens
