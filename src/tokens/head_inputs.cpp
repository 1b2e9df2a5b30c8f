/// \file Action summary and hardware vector.
#include "tokens/head_inputs.h"

#include <algorithm>

#include "support/strings.h"
#include "tokens/program_rows.h"

namespace worldtune::tokens {

using schedule::ComputeAtKind;
using schedule::IterAnnotation;

namespace {

/// The stage whose op computes the most FLOPs (the one a multi-level tile shapes).
int heaviest_stage(const schedule::State &state) {
  int best = 0;
  double flops = -1;
  for (int i = 0; i < state.num_stages(); ++i) {
    double f = state.dag().op_flop_count(state.stage(i).op_id);
    if (f > flops) best = i, flops = f;
  }
  return best;
}

}  // namespace

std::vector<float> action_summary(const schedule::State &state) {
  double parallel = 1, vector = 1;
  int unroll_limit = 0, unrolled = 0, attached = 0, inlined = 0;
  for (const schedule::Stage &st : state.stages()) {
    attached += st.compute_at == ComputeAtKind::Iter ? 1 : 0;
    inlined += st.compute_at == ComputeAtKind::Inlined ? 1 : 0;
    if (st.compute_at == ComputeAtKind::Inlined) continue;
    unroll_limit = std::max(unroll_limit, st.auto_unroll_max_step);
    for (const schedule::Iterator &it : st.iters) {
      double e = static_cast<double>(it.extent);
      if (it.annotation == IterAnnotation::Parallel) parallel = std::max(parallel, e);
      if (it.annotation == IterAnnotation::Vectorize) vector = std::max(vector, e);
      unrolled += it.annotation == IterAnnotation::Unroll ? 1 : 0;
    }
  }
  const schedule::Stage &main = state.stage(heaviest_stage(state));
  std::vector<float> v = {
      log2p(parallel),
      log2p(vector),
      log2p(unroll_limit),
      static_cast<float>(unrolled) / 4.0f,
      static_cast<float>(attached) / 4.0f,
      static_cast<float>(inlined) / 4.0f,
      static_cast<float>(state.num_stages() - state.initial_dag()->num_ops()) / 2.0f,
      static_cast<float>(main.iters.size()) / 8.0f};
  double tile = 1;
  for (int k = 1; k <= 4; ++k) {
    int i = static_cast<int>(main.iters.size()) - k;
    if (i >= 0) tile *= static_cast<double>(main.iters[i].extent);
    v.push_back(log2p(tile));
  }
  return v;
}

std::vector<float> hardware_vector(const search::SearchTask &task) {
  std::vector<std::string> features = split_string(task.target, '-');
  auto has = [&](const char *f) {
    return std::find(features.begin(), features.end(), f) != features.end() ? 1.0f : 0.0f;
  };
  auto mentions = [&](const char *s) {
    return task.machine.find(s) != std::string::npos ? 1.0f : 0.0f;
  };
  double lanes = task.hw.vector_unit_bytes / 4.0;
  return {log2p(task.hw.num_cores),
          static_cast<float>(task.hw.vector_unit_bytes) / 64.0f,
          static_cast<float>(task.hw.cache_line_bytes) / 64.0f,
          has("avx2"),
          has("avx512"),
          has("avx512_sapphirerapids"),
          has("fma"),
          has("f16c"),
          mentions("Intel"),
          mentions("AMD"),
          log2p(task.hw.num_cores * lanes * 2.0)};
}

}  // namespace worldtune::tokens
