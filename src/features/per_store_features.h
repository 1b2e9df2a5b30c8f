/// \file Ansor's per-store features (cost-models.md §2.1, TVM auto_scheduler/feature.cc) computed
/// from worldtune's own loop-nest model after bound inference, never by lowering through Halide:
/// one row of 164 floats per computed (non-inlined) stage, which is one buffer store.
///
/// Groups: computation (57), buffer access (5 buffers x 18), arithmetic-intensity curve (10),
/// allocation (4), outer scope (3). Non-one-hot values go through log2p(x) = sign(x)·log2(|x|+1).
/// Deliberate differences from TVM are listed in docs/ansor_deviations.md.
#pragma once

#include <string>
#include <vector>

#include "schedule/state.h"

namespace worldtune::features {

inline constexpr int kNumPerStoreFeatures = 164;
inline constexpr int kMaxBuffers = 5;
/// Bump when the meaning of any feature changes: saved models record it and refuse others.
inline constexpr int kFeatureVersion = 1;

/// Raw (not log-scaled) values of one store, for tests and debugging.
struct StoreFeatures {
  std::string stage_name;
  std::vector<float> values;  ///< kNumPerStoreFeatures entries, in Ansor's order
};

/// Feature rows of a concrete state, one per computed stage. `log_scale` applies log2p.
/// Throws UserError(BadSchedule) when the state is not concrete.
std::vector<StoreFeatures> per_store_features(const schedule::State &state, int cache_line_bytes,
                                              bool log_scale = true);

/// Names of the 164 columns (e.g. "float_addsub", "B0.bytes"), for tests and dumps.
const std::vector<std::string> &feature_names();

}  // namespace worldtune::features
