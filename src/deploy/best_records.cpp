/// \file Finding the best record per workload.
#include "deploy/best_records.h"

#include "ir/workload.h"
#include "schedule/state.h"
#include "schedule/transform_step.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::deploy {

std::vector<WorkloadRecords> summarize_records(const std::vector<MeasureRecord> &records) {
  std::vector<WorkloadRecords> out;
  std::map<std::string, size_t> index;
  for (const MeasureRecord &r : records) {
    auto [it, added] = index.try_emplace(r.workload, out.size());
    if (added) {
      out.emplace_back();
      out.back().workload = r.workload;
    }
    WorkloadRecords &w = out[it->second];
    if (r.is_baseline()) {
      auto b = w.baselines.find(r.method);
      if (r.result.ok() &&
          (b == w.baselines.end() || r.result.mean_cost() < b->second.result.mean_cost()))
        w.baselines[r.method] = r;
      continue;
    }
    ++w.trials;
    if (r.result.ok() && (!w.best || r.result.mean_cost() < w.best->result.mean_cost())) {
      w.best = r;
      w.best_trial = w.trials;
    }
  }
  return out;
}

WorkloadRecords workload_records(const std::string &records_path, const std::string &key) {
  std::string canonical = ir::parse_workload(key).key;
  std::vector<WorkloadRecords> all = summarize_records(read_records(records_path));
  for (WorkloadRecords &w : all)
    if (w.workload == canonical) return w;
  WT_USER_CHECK(
      false, BadWorkload,
      "'" << records_path << "' has no record of workload '" << canonical << "'"
          << (all.empty() ? std::string(" (it has no records)")
                          : " (it has: " + join_mapped(all, ", ", [](const WorkloadRecords &w) {
                              return w.workload;
                            }) + ")"));
  return {};
}

schedule::HalideProgram record_program(const MeasureRecord &record) {
  ir::Workload w = ir::parse_workload(record.workload);
  schedule::State s = schedule::State::replay(w.dag, schedule::steps_from_json(record.steps));
  return schedule::lower_to_halide(s);
}

}  // namespace worldtune::deploy
