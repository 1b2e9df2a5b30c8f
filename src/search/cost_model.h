/// \file The cost-model interface the search ranks candidates with (Ansor's CostModel). A model
/// scores many states of one task at once, learns from measured states, and saves/loads itself.
/// Implementations live in src/cost_model (random, xgb) and are picked by name there; the world
/// model of a later issue implements this same interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/compute_dag.h"
#include "schedule/state.h"
#include "search/hardware_params.h"
#include "worldtune/measure_result.h"

namespace worldtune::search {

/// One tuning task: a workload on a target.
struct SearchTask {
  std::string workload_key;
  std::shared_ptr<const ir::ComputeDAG> dag;  ///< the initial DAG (schedules replay on it)
  HardwareParams hw;
  std::string target;
  double flop_count = 0;
};

/// A measured schedule, the unit a model learns from.
struct MeasuredState {
  std::shared_ptr<const SearchTask> task;
  schedule::State state;
  MeasureResult result;
};

class CostModel {
 public:
  virtual ~CostModel() = default;
  virtual std::string name() const = 0;
  /// Learns from newly measured states (the model keeps everything it has seen; Ansor's models
  /// retrain on all of it).
  virtual void update(const std::vector<MeasuredState> &measured) = 0;
  /// Scores states of one task; higher is better (predicted normalized throughput). States the
  /// model cannot score get -infinity.
  virtual std::vector<float> predict(const SearchTask &task,
                                     const std::vector<schedule::State> &states) = 0;
  /// Persists the trained model; `load` refuses files of another kind or format version with a
  /// UserError(BadModel) naming the file.
  virtual void save(const std::string &path) const = 0;
  virtual void load(const std::string &path) = 0;
};

}  // namespace worldtune::search
