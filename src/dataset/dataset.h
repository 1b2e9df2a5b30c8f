/// \file `worldtune dataset`: measures a corpus of programs, one records file per workload under a
/// folder, for cost models to be pretrained on (TenSet's protocol, Zheng et al. 2021).
///
/// Workloads advance in passes, one round of `per_round` programs each per pass, so a corpus cut
/// short still covers every workload evenly. Round k of a workload is random annotations of its
/// sketches, or, for a `guided_fraction` of the rounds after the first, the picks of the
/// evolutionary search under a cost model trained on that workload's first k rounds (so the corpus
/// also holds fast programs). A round depends only on the seed, k and the records of rounds
/// before it, so a killed run resumes by re-deriving its round and measuring only the programs
/// not yet in the file: nothing is measured twice.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measure/measure_options.h"
#include "search/cost_model.h"
#include "search/sketch_policy.h"

namespace worldtune::dataset {

/// The `corpus` measurement preset of `dataset`: shorter timed repeats and run timeout than
/// tune's (100 ms, 10 s); bench/preset_noise measures the noise it adds (docs/benchmarks.md).
inline constexpr int kCorpusMinRepeatMs = 30;
inline constexpr double kCorpusRunTimeoutS = 5;
inline void apply_corpus_preset(measure::MeasureOptions &m) {
  m.min_repeat_ms = kCorpusMinRepeatMs;
  m.run_timeout_s = kCorpusRunTimeoutS;
}

struct DatasetOptions {
  std::vector<std::string> workloads;  ///< workload keys, in the order of the list file
  std::string out_dir;                 ///< one records file per workload
  int count = 256;                     ///< records per workload (failures included)
  int per_round = 32;
  double guided_fraction = 0.5;
  nlohmann::json guide;  ///< the guide model's name and options, kept with the settings
  uint64_t seed = 1;
  measure::MeasureOptions measure;
  search::SearchParams search;
  bool verbose = true;
};

/// Makes the cost model that guides one guided round (fresh each round: trained on the workload's
/// records so far).
using ModelFactory = std::function<std::unique_ptr<search::CostModel>()>;

struct DatasetReport {
  int64_t measured = 0;  ///< records written by this invocation
  int64_t succeeded = 0;
  int64_t total = 0;  ///< records of the listed workloads in the folder at the end
  std::vector<std::string> short_workloads;  ///< ended below the count: their space ran out
  double seconds = 0;
};

/// Settings a resume must share with the run that made the folder (`<out_dir>/dataset.json`).
inline constexpr const char *kDatasetSettingsFormat = "worldtune-dataset-1";

/// Runs (or resumes) the corpus. Throws UserError for bad workloads, a records file holding other
/// workloads, or settings other than those recorded in the folder.
DatasetReport make_dataset(const DatasetOptions &options, const ModelFactory &guide,
                           std::ostream &out);

/// Workload keys of a list file: one per line, `#` comments and blank lines skipped, each key
/// parsed (errors name file:line), duplicates refused.
std::vector<std::string> read_workload_list(const std::string &path);

/// The records file name of a workload: `conv2d_nhwc:N=1,H=56` -> `conv2d_nhwc__N1_H56.jsonl`.
std::string workload_file_name(const std::string &key);

/// Whether round k is guided (k >= 1 and the guided share of rounds 0..k grows at k).
bool is_guided_round(int k, double guided_fraction);

}  // namespace worldtune::dataset
