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
  /// The machine the task is measured on (support/machine.h machine_key): labels are normalized
  /// within one (workload, machine) group, so corpora of several machines can be mixed.
  std::string machine;

  std::string label_group() const { return workload_key + " @ " + machine; }
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
  /// Trains on a corpus (`worldtune train`); `valid` holds other workloads and decides when
  /// training stops. By default the model learns from `train` as from measurements.
  virtual void pretrain(const std::vector<MeasuredState> &train,
                        const std::vector<MeasuredState> &valid) {
    update(train);
  }
  /// False for a model whose scores carry no information (random): the search then spends fewer
  /// generations on evolution, as Ansor does.
  virtual bool guides_search() const { return true; }
  /// False while predict() would return scores that are not the model's (xgb's random warm-up):
  /// the scoring throughput a tuner reports counts only calls that really scored.
  virtual bool scores_now() const { return guides_search(); }
  /// True when `pretrain` after `load` continues from the loaded model (`worldtune train
  /// --init`); a model that always trains afresh would silently drop it.
  virtual bool trains_from_loaded() const { return false; }
  /// Persists the trained model; `load` refuses files of another kind or format version with a
  /// UserError(BadModel) naming the file.
  virtual void save(const std::string &path) const = 0;
  virtual void load(const std::string &path) = 0;
};

}  // namespace worldtune::search
