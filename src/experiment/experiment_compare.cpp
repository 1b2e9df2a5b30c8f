/// \file Side-by-side comparison of an experiment's bests, saved per workload.
#include "experiment/experiment_compare.h"

#include <filesystem>
#include <map>
#include <ostream>

#include "deploy/baseline.h"
#include "deploy/side_by_side.h"
#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "schedule/transform_step.h"
#include "support/machine.h"
#include "support/settings_file.h"
#include "support/statistics.h"
#include "support/strings.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::experiment {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char *kCompareFormat = "worldtune-experiment-compare-1";

/// What one workload's comparison measures: the distinct schedules and the peers, by name.
struct Plan {
  std::vector<ComparedEntry> entries;
  std::vector<int> input_of;  ///< per entry: index into inputs, -1 for none
  std::vector<json> steps;    ///< per schedule input
  std::vector<deploy::SideBySideEntry> inputs;
};

/// The run's best record among its first `k` tuned trials, and its 1-based trial.
const MeasureRecord *best_within(const std::vector<MeasureRecord> &records, int64_t k,
                                 int64_t *trial) {
  const MeasureRecord *best = nullptr;
  int64_t t = 0;
  for (const MeasureRecord &r : records) {
    if (r.is_baseline()) continue;
    if (++t > k) break;
    if (r.result.ok() && (!best || r.result.mean_cost() < best->result.mean_cost())) {
      best = &r;
      *trial = t;
    }
  }
  return best;
}

void add_run(const ir::Workload &w, const RunSpec &run, const std::vector<int64_t> &checkpoints,
             const std::vector<MeasureRecord> &records, Plan &p) {
  for (int64_t k : checkpoints) {
    if (k > run.trials) continue;
    ComparedEntry e{run.method->name, false, run.seed, k, 0, 0, 0, ""};
    const MeasureRecord *best = best_within(records, k, &e.best_trial);
    if (!best) {
      e.error = "no valid schedule";
      p.entries.push_back(e);
      p.input_of.push_back(-1);
      continue;
    }
    e.in_run_gflops = w.dag->flop_count() / best->result.mean_cost() / 1e9;
    int at = -1;
    for (size_t i = 0; i < p.steps.size(); ++i)
      if (p.steps[i] == best->steps) at = static_cast<int>(i);
    if (at < 0) {
      at = static_cast<int>(p.inputs.size());
      p.steps.push_back(best->steps);
      p.inputs.push_back(
          {format("schedule %d", at),
           {w.dag, schedule::steps_from_json(best->steps), measure::BuildMethod::Schedule, ""}});
    }
    p.entries.push_back(e);
    p.input_of.push_back(at);
  }
}

Plan plan_workload(const ExperimentConfig &c, const ir::Workload &w,
                   const std::vector<RunSpec> &runs, const std::string &runs_dir) {
  Plan p;
  for (const RunSpec &run : runs) {
    if (run.workload != w.key) continue;
    std::string path = run.records_file(runs_dir);
    std::vector<MeasureRecord> records;
    if (fs::exists(path)) records = read_records(path);
    add_run(w, run, c.checkpoints, records, p);
  }
  for (const std::string &peer : c.peers) {
    ComparedEntry e{peer, true, 0, 0, 0, 0, 0, ""};
    try {
      p.inputs.push_back({peer, deploy::baseline_input(w, deploy::parse_baseline_method(peer))});
      p.input_of.push_back(static_cast<int>(p.inputs.size()) - 1);
    } catch (const UserError &err) {
      e.error = std::string("n/a: ") + err.what();
      p.input_of.push_back(-1);
    }
    p.entries.push_back(e);
  }
  return p;
}

/// What decides whether a saved comparison still holds (besides the machine).
json identity_of(const ExperimentConfig &c, const Plan &p) {
  json names = json::array();
  for (const deploy::SideBySideEntry &e : p.inputs) names.push_back(e.name);
  return {{"rounds", c.compare_rounds},
          {"measure", c.measure},
          {"schedules", p.steps},
          {"inputs", names}};
}

/// The side-by-side settings with the config's measurement settings that apply to a timed run.
measure::MeasureOptions comparison_options(const json &m) {
  measure::MeasureOptions o = deploy::side_by_side_options();
  o.threads = m.value("threads", o.threads);
  o.min_repeat_ms = m.value("min_repeat_ms", o.min_repeat_ms);
  o.number = m.value("number", o.number);
  o.cache_flush = m.value("cache_flush", o.cache_flush);
  o.target = m.value("target", o.target);
  return o;
}

json this_machine(const ExperimentConfig &c) {
  return machine_json(host_machine(),
                      halide_backend::canonical_target_string(c.measure.value("target", "host")));
}

/// The saved results when the file matches `identity` (and, when measuring is allowed, was
/// measured on this machine), else (when `measure`) measures and saves them; null when there are
/// none. Without measuring, a comparison from another machine serves: the report names it.
json results_for(const ExperimentConfig &c, const ir::Workload &w, const Plan &p,
                 const std::string &file, bool measure, int pass, std::ostream &out) {
  json identity = identity_of(c, p);
  if (fs::exists(file)) {
    json saved = read_settings_file(file, kCompareFormat);
    if (saved.value("identity", json()) == identity &&
        (!measure || saved.value("machine", json()) == this_machine(c)))
      return saved;
  }
  if (!measure) return nullptr;
  out << "compare   " << w.key;
  if (c.compare_passes > 1) out << " (pass " << pass << " of " << c.compare_passes << ")";
  out << ": " << p.inputs.size() << " kernels, " << c.compare_rounds << " rounds\n";
  out.flush();
  json results = json::array();
  for (const deploy::SideBySideResult &r :
       deploy::measure_side_by_side(w, p.inputs, c.compare_rounds, comparison_options(c.measure)))
    results.push_back({{"name", r.name}, {"cost", r.cost}, {"error", r.error}, {"costs", r.costs}});
  json saved = {{"format", kCompareFormat},
                {"workload", w.key},
                {"identity", identity},
                {"machine", this_machine(c)},
                {"results", results}};
  fs::create_directories(fs::path(file).parent_path());
  write_json_file(file, saved, 1);
  return saved;
}

/// Pass `pass` (1-based) of a workload's comparison: the first where comparisons were saved
/// before passes existed, the others in a folder each.
std::string pass_file(const std::string &out_dir, int pass, const std::string &key) {
  fs::path dir = fs::path(out_dir) / "compare";
  if (pass > 1) dir /= format("pass-%d", pass);
  return (dir / (ir::workload_slug(key) + ".json")).string();
}

/// Adds one pass's saved results to the workload's entries.
void add_pass(const ir::Workload &w, const Plan &p, const json &saved, int pass,
              WorkloadComparison &wc) {
  if (!wc.remeasured) wc.machine = saved.value("machine", json());
  wc.remeasured = true;
  ++wc.passes;
  const json &results = saved["results"];
  for (size_t i = 0; i < wc.entries.size(); ++i) {
    int at = p.input_of[i];
    if (at < 0) continue;
    const json &r = results.at(static_cast<size_t>(at));
    double cost = r.value("cost", 0.0);
    ComparedEntry &e = wc.entries[i];
    if (e.error.empty()) e.error = r.value("error", std::string());
    e.pass_gflops[static_cast<size_t>(pass - 1)] = cost > 0 ? w.dag->flop_count() / cost / 1e9 : 0;
  }
}

/// Each entry's figure: the median of the passes that measured it, or 0 (a failure, its error
/// kept) when any of them failed: a kernel that fails once is not a figure.
void take_medians(WorkloadComparison &wc) {
  for (ComparedEntry &e : wc.entries) {
    std::vector<double> measured;
    bool failed = false;
    for (double g : e.pass_gflops)
      if (g >= 0) measured.push_back(g), failed = failed || g == 0;
    e.gflops = failed ? 0 : median(measured);
  }
}

}  // namespace

std::vector<WorkloadComparison> compare_workloads(const ExperimentConfig &c,
                                                  const std::vector<RunSpec> &runs,
                                                  const std::string &runs_dir,
                                                  const std::string &out_dir, bool measure,
                                                  std::ostream &out) {
  std::vector<ir::Workload> workloads;
  std::vector<Plan> plans;
  std::vector<WorkloadComparison> all;
  for (const std::string &key : c.workloads) {
    workloads.push_back(ir::parse_workload(key));
    plans.push_back(plan_workload(c, workloads.back(), runs, runs_dir));
    all.push_back({key, plans.back().entries, false, 0, json()});
    for (ComparedEntry &e : all.back().entries)
      e.pass_gflops.assign(static_cast<size_t>(c.compare_passes), -1.0);
  }
  for (int pass = 1; pass <= c.compare_passes; ++pass)
    for (size_t i = 0; i < workloads.size(); ++i) {
      std::string file = pass_file(out_dir, pass, c.workloads[i]);
      json saved = results_for(c, workloads[i], plans[i], file, measure, pass, out);
      if (!saved.is_null()) add_pass(workloads[i], plans[i], saved, pass, all[i]);
    }
  for (WorkloadComparison &wc : all) take_medians(wc);
  return all;
}

}  // namespace worldtune::experiment
