/// \file Making the sequence models' examples.
#include "world/examples.h"

#include <algorithm>

#include "cost_model/model_file.h"
#include "features/per_store_features.h"
#include "tokens/head_inputs.h"
#include "worldtune/error.h"

namespace worldtune::world {

int aux_target_width() { return 2 * features::kNumPerStoreFeatures; }

namespace {

/// Sum and max over the stores of an intermediate program; empty when features fail (a prefix
/// the feature extractor cannot bound).
std::vector<float> pooled_features(const schedule::State &state, int cache_line_bytes) {
  std::vector<features::StoreFeatures> rows;
  try {
    rows = features::per_store_features(state, cache_line_bytes, true);
  } catch (const std::exception &) {
    return {};
  }
  const int n = features::kNumPerStoreFeatures;
  std::vector<float> out(2 * n, 0.0f);
  for (const features::StoreFeatures &r : rows)
    for (int i = 0; i < n; ++i) {
      out[i] += r.values[i];
      out[n + i] = std::max(out[n + i], r.values[i]);
    }
  return out;
}

}  // namespace

std::string task_key(const search::SearchTask &task) {
  return task.label_group() + " | " + task.target;
}

std::shared_ptr<const TaskInputs> ExampleMaker::task_inputs(const search::SearchTask &task) {
  std::string key = task_key(task);
  auto it = tasks_.find(key);
  if (it != tasks_.end()) return it->second;
  auto in = std::make_shared<TaskInputs>();
  in->program = tokens::encode_program(*task.dag);
  in->hardware = tokens::hardware_vector(task);
  return tasks_[key] = in;
}

Example ExampleMaker::make(const search::SearchTask &task, const schedule::State &state) {
  Example e;
  e.task = task_inputs(task);
  tokens::PrefixVisitor visit;
  int last = static_cast<int>(state.steps().size()) - 1;
  if (aux_every_ > 0)
    visit = [&](int t, const schedule::State &prefix) {
      if ((t + 1) % aux_every_ != 0 && t != last) return;
      std::vector<float> target = pooled_features(prefix, cache_line_bytes_);
      if (!target.empty()) e.aux.emplace_back(t, std::move(target));
    };
  e.seq = tokens::tokenize(task.dag, state.steps(), visit);
  e.summary = tokens::action_summary(state);
  return e;
}

std::vector<ExampleGroup> ExampleMaker::make_groups(
    const std::vector<search::MeasuredState> &measured) {
  std::map<std::string, ExampleGroup> groups;
  std::map<std::string, std::vector<double>> costs;
  for (const search::MeasuredState &m : measured) {
    std::string name = m.task->label_group();
    Example e;
    try {
      e = make(*m.task, m.state);
    } catch (const UserError &) {
      continue;  // a record whose steps no longer replay teaches nothing
    }
    groups[name].name = name;
    groups[name].examples.push_back(std::move(e));
    costs[name].push_back(m.result.cost_or_failed());
  }
  std::vector<ExampleGroup> out;
  for (auto &[name, g] : groups) {
    std::vector<float> labels = cost_model::normalized_throughput(
        std::vector<std::string>(costs[name].size(), name), costs[name]);
    for (size_t i = 0; i < labels.size(); ++i) g.examples[i].label = labels[i];
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace worldtune::world
