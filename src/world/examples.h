/// \file Measured or candidate programs turned into what the sequence models read (torch-free):
/// the task's encoded initial program (shared by all its programs), the step tokens, the action
/// summary and, for training only, the auxiliary targets of the world loss: pooled loop-nest
/// features of intermediate programs (src/features), computed on replayed prefixes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "search/cost_model.h"
#include "tokens/program_rows.h"
#include "tokens/step_tokens.h"

namespace worldtune::world {

/// Auxiliary target width: sum and max over stores of the log-scaled per-store features.
int aux_target_width();

/// What tells tasks apart for the per-task caches (a task's encoding, its score centre).
std::string task_key(const search::SearchTask &task);

/// What the model reads of a task, computed once per task.
struct TaskInputs {
  tokens::ProgramRows program;
  std::vector<float> hardware;
};

struct Example {
  std::shared_ptr<const TaskInputs> task;
  tokens::TokenSequence seq;
  std::vector<float> summary;
  float label = 0;  ///< normalized throughput in its group (training only)
  /// Auxiliary targets: step index -> pooled features of the program after that step.
  std::vector<std::pair<int, std::vector<float>>> aux;
};

/// A label group (workload, machine) of examples, the unit the ranking loss compares within.
struct ExampleGroup {
  std::string name;
  std::vector<Example> examples;
};

/// Caches TaskInputs by task and makes examples.
class ExampleMaker {
 public:
  /// `aux_every`: an auxiliary target after every k-th step and after the last (0: none).
  explicit ExampleMaker(int cache_line_bytes, int aux_every = 0)
      : cache_line_bytes_(cache_line_bytes), aux_every_(aux_every) {}

  std::shared_ptr<const TaskInputs> task_inputs(const search::SearchTask &task);
  /// The example of a state; throws UserError(BadSchedule) when its steps do not replay.
  Example make(const search::SearchTask &task, const schedule::State &state);
  /// Measured states grouped by label group with labels set; states that do not replay are left
  /// out. Groups are sorted by name.
  std::vector<ExampleGroup> make_groups(const std::vector<search::MeasuredState> &measured);

 private:
  int cache_line_bytes_;
  int aux_every_;
  std::map<std::string, std::shared_ptr<const TaskInputs>> tasks_;
};

}  // namespace worldtune::world
