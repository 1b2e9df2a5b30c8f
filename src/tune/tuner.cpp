/// \file The tuning loop, its resume-by-replay, progress output and error log.
#include "tune/tuner.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>

#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "support/machine.h"
#include "support/settings_file.h"
#include "support/strings.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::tune {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// One character pair per candidate: build phase '.', run phase '*'; E error, T timeout.
const char *marker(const MeasureResult &r) {
  switch (r.error) {
    case MeasureErrorCode::NoError:
      return "*";
    case MeasureErrorCode::Instantiation:
    case MeasureErrorCode::CompileHost:
      return ".E";
    case MeasureErrorCode::BuildTimeout:
      return ".T";
    case MeasureErrorCode::RunTimeout:
      return "*T";
    default:
      return "*E";
  }
}

struct TaskState {
  ir::Workload workload;
  std::shared_ptr<search::SearchTask> task;
  std::unique_ptr<search::SketchPolicy> policy;
  std::unique_ptr<measure::ProgramMeasurer> measurer;  // made on first real measurement
  std::map<std::string, MeasureResult> recorded;       // state key -> result, from the file
  size_t replayed = 0;  // recorded states the resumed search has picked again
  bool diverged = false;
  TaskSummary summary;
};

/// A resumed search that picks a state the run never measured while recorded ones are still to
/// come has left the recorded run (a cost model that is not deterministic, an edited file): the
/// records it does not reach stay in the file but are no trials of this run. Said once per task.
void warn_if_diverged(TaskState &t, size_t measuring, int64_t trials, std::ostream &out,
                      std::ostream &log) {
  if (measuring == 0 || t.diverged || t.replayed >= t.recorded.size()) return;
  t.diverged = true;
  std::string msg = "warning: the resumed search of " + t.workload.key +
                    " left the recorded run "
                    "after trial " +
                    std::to_string(trials) + ": " + std::to_string(t.recorded.size() - t.replayed) +
                    " recorded states were not picked again and stay in the records as no trial "
                    "of this run (is the cost model deterministic?)\n";
  out << msg;
  log << msg;
}

/// Loads the records file, refusing what this run cannot continue from.
void load_records(const TuneOptions &o, const std::string &target, std::vector<TaskState> &tasks) {
  if (!std::filesystem::exists(o.records)) return;
  std::map<std::string, TaskState *> by_key;
  for (TaskState &t : tasks) by_key[t.workload.key] = &t;
  std::map<std::string, int> counts;
  for (const MeasureRecord &r : read_records(o.records)) {
    if (r.is_baseline()) continue;
    WT_USER_CHECK(r.target == target, BadRecord,
                  o.records << " holds records for target '" << r.target
                            << "', but this run targets '" << target
                            << "': use another --records file (or --target)");
    auto it = by_key.find(r.workload);
    if (it == by_key.end()) continue;
    WT_USER_CHECK(r.seed == o.seed, BadRecord,
                  o.records << " holds records of " << r.workload << " tuned with seed " << r.seed
                            << "; resume with --seed " << r.seed);
    std::string key = schedule::steps_to_json(schedule::steps_from_json(r.steps)).dump();
    it->second->recorded.emplace(key, r.result);
    counts[r.workload]++;
  }
  if (!o.resume && !counts.empty()) {
    const auto &[w, n] = *counts.begin();
    WT_USER_CHECK(
        false, BadArgument,
        o.records << " already holds " << n << " records of " << w
                  << ": pass --resume to continue that run, or choose another --records file");
  }
}

/// The run settings recorded beside the records, if any.
std::optional<nlohmann::json> recorded_settings(const TuneOptions &o) {
  const std::string path = o.records + ".run.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  return read_settings_file(path, kRunSettingsFormat);
}

/// Writes the run settings on a fresh run; on a resume, refuses settings that differ from `was`.
void check_run_settings(const TuneOptions &o, const nlohmann::json &now,
                        const std::optional<nlohmann::json> &was, bool has_records,
                        std::ostream &out) {
  std::string path = o.records + ".run.json";
  if (was) {
    if (has_records) {
      std::optional<SettingChange> c = changed_setting(*was, now);
      WT_USER_CHECK(!c, BadArgument,
                    "--resume needs the settings of the run recorded in "
                        << o.records << ": " << c->key << " was " << quote_cut(c->was.dump())
                        << ", now " << quote_cut(c->now.dump()) << " (" << path << ")");
      return;
    }
  } else if (has_records && o.verbose) {
    out << "warning: " << path << " is missing: cannot check that this resume uses the settings "
        << "of the recorded run\n";
  }
  write_json_file(path, now, 2);
}

/// The recorded run's round size where a resume continues it with another budget and no
/// --per-round; else round_size(o).
int resumed_round_size(const TuneOptions &o, const std::optional<nlohmann::json> &was,
                       bool has_records) {
  if (!has_records || o.per_round_given || !was) return round_size(o);
  const auto it = was->find("per_round");
  const bool usable = it != was->end() && it->is_number_integer() && it->get<int64_t>() >= 1 &&
                      it->get<int64_t>() <= std::numeric_limits<int>::max();
  return usable ? it->get<int>() : round_size(o);
}

/// The weighted sum of the tasks' best latencies, kFailedCost while one has none.
double network_cost(const std::vector<TaskState> &tasks) {
  double sum = 0;
  for (const TaskState &t : tasks) {
    if (t.summary.best_cost >= kFailedCost) return kFailedCost;
    sum += t.summary.weight * t.summary.best_cost;
  }
  return sum;
}

void print_network(std::ostream &out, const std::vector<TaskState> &tasks) {
  const double cost = network_cost(tasks);
  int missing = 0;
  for (const TaskState &t : tasks) missing += t.summary.best_cost >= kFailedCost;
  if (cost < kFailedCost)
    out << format("  network latency %.4f ms (estimated: sum of weight x best latency)\n",
                  cost * 1e3);
  else
    out << "  network latency - (" << missing << " of " << tasks.size()
        << " tasks without a valid schedule yet)\n";
}

void print_table(std::ostream &out, const std::vector<TaskState> &tasks, int round, int64_t trials,
                 int64_t budget, double elapsed, double eta, bool weighted) {
  char line[512];
  std::snprintf(line, sizeof line, "round %d | trials %lld/%lld | elapsed %.1f s | ETA %s\n", round,
                static_cast<long long>(trials), static_cast<long long>(budget), elapsed,
                eta < 0 ? "-" : format("%.0f s", eta).c_str());
  out << line;
  std::snprintf(line, sizeof line, "  %3s  %-56s %s%12s %10s %7s %6s\n", "ID", "workload",
                weighted ? "weight " : "", "latency(ms)", "GFLOP/s", "trials", "best@");
  out << line;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const TaskSummary &s = tasks[i].summary;
    bool ok = s.best_cost < kFailedCost;
    std::snprintf(line, sizeof line, "  %3zu  %-56s %s%12s %10s %7lld %6lld\n", i,
                  s.workload.substr(0, 56).c_str(),
                  weighted ? format("%6g ", s.weight).c_str() : "",
                  ok ? format("%.4f", s.best_cost * 1e3).c_str() : "-",
                  ok ? format("%.2f", s.flops / s.best_cost / 1e9).c_str() : "-",
                  static_cast<long long>(s.trials), static_cast<long long>(s.best_trial));
    out << line;
  }
  if (weighted) print_network(out, tasks);
  out.flush();
}

/// The error log only adds detail to the records: a failed write (a full disk, /dev/full) is said
/// once on stderr and tuning goes on.
void warn_once_if_lost(std::ofstream &log, const std::string &path, bool &warned) {
  if (log.good()) return;
  if (!warned)
    std::fprintf(stderr,
                 "warning: cannot write the error log '%s' (%s); tuning goes on without it\n",
                 path.c_str(), std::strerror(errno));
  warned = true;
  log.clear();
}

}  // namespace

TuneReport tune(const TuneOptions &o, search::CostModel &model, std::ostream &out) {
  auto t_start = Clock::now();
  WT_USER_CHECK(!o.workloads.empty(), BadArgument, "no --workload to tune");
  WT_USER_CHECK(!o.records.empty(), BadArgument, "--records FILE is required");
  WT_USER_CHECK(o.trials > 0, BadArgument, "--trials must be positive");
  WT_USER_CHECK(o.measures_per_round > 0, BadArgument, "--per-round must be positive");
  WT_ASSERT(o.weights.empty() || o.weights.size() == o.workloads.size(), "one weight per workload");
  std::string target = halide_backend::canonical_target_string(o.measure.target);
  search::HardwareParams hw = search::host_hardware_params();

  std::vector<TaskState> tasks(o.workloads.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < o.workloads.size(); ++i) {
    TaskState &t = tasks[i];
    t.workload = ir::parse_workload(o.workloads[i]);
    WT_USER_CHECK(seen.insert(t.workload.key).second, BadArgument,
                  "workload " << t.workload.key << " is given twice");
    t.task = std::make_shared<search::SearchTask>();
    t.task->workload_key = t.workload.key;
    t.task->dag = t.workload.dag;
    t.task->hw = hw;
    t.task->target = target;
    t.task->machine = machine_key(machine_json(host_machine(), target), target);
    t.task->flop_count = t.workload.dag->flop_count();
    // Each task draws from its own stream, so adding a workload leaves the others' streams alone.
    uint64_t seed = o.seed ^ (0x9E3779B97F4A7C15ull * (i + 1));
    t.policy = std::make_unique<search::SketchPolicy>(t.task, o.search, seed);
    t.summary.workload = t.workload.key;
    t.summary.weight = o.weights.empty() ? 1.0 : o.weights[i];
    t.summary.flops = t.task->flop_count;
    t.summary.best_cost = kFailedCost;
  }
  // The lock first (it also creates the records' folder): nothing reads the records or writes
  // the run settings beside them while another tuner may write. The writer, which may repair the
  // file's last line, comes only once the records were read and accepted.
  RecordsLock lock(o.records);
  load_records(o, target, tasks);
  size_t recorded = 0;
  for (const TaskState &t : tasks) recorded += t.recorded.size();
  const std::optional<nlohmann::json> was = recorded_settings(o);
  const int per_round = resumed_round_size(o, was, recorded > 0);
  check_run_settings(o, run_settings(o, model.name(), per_round), was, recorded > 0, out);

  RecordWriter writer(o.records, std::move(lock));
  std::string log_path = error_log_path(o);
  std::ofstream log(log_path, std::ios::app);
  WT_USER_CHECK(log.good(), Io, "cannot open the log file " << log_path);
  bool log_lost = false;

  std::vector<double> flops;
  std::vector<std::string> tags;
  for (const TaskState &t : tasks) {
    flops.push_back(t.summary.flops);
    tags.push_back(t.workload.op_name);
  }
  TaskScheduler scheduler(flops, tags, o.scheduler, o.seed, o.weights);

  TuneReport rep;
  if (o.verbose) {
    if (!o.network.empty()) out << "tune: network " << o.network << "\n";
    out << "tune: " << tasks.size() << " workload(s), " << o.trials << " trials, " << per_round
        << " per round, cost model " << model.name() << ", seed " << o.seed << ", target " << target
        << "\n      records " << o.records << ", errors logged to " << log_path << "\n";
    out.flush();
  }
  int round = 0;
  bool announced_resume = false;
  auto t_live = Clock::now();
  int64_t live_trials = 0;
  while (rep.trials < o.trials) {
    int ti = scheduler.next_task();
    if (ti < 0) break;
    TaskState &t = tasks[ti];
    int n = static_cast<int>(std::min<int64_t>(per_round, o.trials - rep.trials));
    std::vector<schedule::State> states = t.policy->next_batch(model, per_round, n);
    rep.search_s += t.policy->last_round().search_s;
    rep.predict_s += t.policy->last_round().predict_s;
    rep.predicted += t.policy->last_round().predicted;
    rep.scored += t.policy->last_round().scored;
    rep.scored_s += t.policy->last_round().scored_s;
    ++round;

    // Results from the records file where this state was measured before, else measured now.
    std::vector<MeasureResult> results(states.size());
    std::vector<size_t> todo;
    std::vector<bool> restored(states.size(), false);
    for (size_t i = 0; i < states.size(); ++i) {
      auto it = t.recorded.find(states[i].key());
      restored[i] = it != t.recorded.end();
      if (restored[i]) {
        results[i] = it->second;
        ++rep.restored;
        ++t.replayed;
      } else {
        todo.push_back(i);
      }
    }
    warn_if_diverged(t, todo.size(), t.summary.trials, out, log);
    if (!todo.empty()) {
      if (rep.restored > 0 && !announced_resume && o.verbose) {
        out << "resume: " << rep.restored << " trials restored from " << o.records << "\n";
        announced_resume = true;
      }
      if (!t.measurer) {
        t.measurer =
            std::make_unique<measure::ProgramMeasurer>(t.workload, o.measure, hw, o.seed, &writer);
        t.measurer->set_best_cost(t.summary.best_cost);  // restored bests are not checked again
      }
      std::vector<schedule::State> batch;
      for (size_t i : todo) batch.push_back(states[i]);
      if (o.verbose) out << "  [" << ti << "] ";
      auto t_measure = Clock::now();
      std::vector<MeasureResult> measured =
          t.measurer->measure(batch, [&](size_t, const MeasureResult &r) {
            if (o.verbose) {
              out << marker(r);
              out.flush();
            }
          });
      double wall = seconds_since(t_measure);
      double run = 0;
      for (size_t k = 0; k < todo.size(); ++k) {
        results[todo[k]] = measured[k];
        run += measured[k].run_s;
      }
      rep.run_s += run;
      rep.build_s += std::max(0.0, wall - run);
      live_trials += static_cast<int64_t>(todo.size());
      if (o.verbose) out << "\n";
    }

    std::vector<search::MeasuredState> learned;
    std::vector<double> costs;
    for (size_t i = 0; i < states.size(); ++i) {
      const MeasureResult &r = results[i];
      t.policy->record(states[i], r);
      TaskSummary &s = t.summary;
      ++s.trials;
      double cost = r.cost_or_failed();
      costs.push_back(cost);
      if (r.ok() && cost < s.best_cost) {
        s.best_cost = cost;
        s.best_trial = s.trials;
      }
      if (!r.ok()) {
        ++s.failures;
        if (!restored[i])  // restored failures were logged by the run that measured them
          log << "round " << round << " " << t.workload.key << " trial " << s.trials << ": "
              << error_code_name(r.error) << ": " << r.error_msg << "\n"
              << "  steps " << states[i].key() << "\n";
      }
      learned.push_back({t.task, states[i], r});
    }
    log.flush();
    warn_once_if_lost(log, log_path, log_lost);
    rep.trials += static_cast<int64_t>(states.size());
    auto t_train = Clock::now();
    model.update(learned);
    rep.train_s += seconds_since(t_train);
    scheduler.on_round(ti, costs, per_round);

    if (o.verbose && !todo.empty()) {
      double elapsed = seconds_since(t_start);
      double live = seconds_since(t_live);
      double eta = live_trials > 0 ? live / static_cast<double>(live_trials) *
                                         static_cast<double>(o.trials - rep.trials)
                                   : -1;
      print_table(out, tasks, round, rep.trials, o.trials, elapsed, eta, !o.weights.empty());
    }
    if (states.empty() && o.verbose)
      out << "  [" << ti << "] search space exhausted for " << t.workload.key << "\n";
  }
  rep.stop_reason = scheduler.stop_reason();
  if (rep.trials < o.trials && rep.stop_reason.empty())
    rep.stop_reason = "every task stopped (search space exhausted or early stopping)";
  for (TaskState &t : tasks) rep.tasks.push_back(t.summary);
  rep.network_cost = network_cost(tasks);
  if (rep.restored < static_cast<int64_t>(recorded) && o.verbose)
    out << "warning: " << recorded - rep.restored << " records of these workloads in " << o.records
        << " were not reached by this run (measured by another command or with other settings)\n";
  rep.total_s = seconds_since(t_start);
  return rep;
}

nlohmann::json run_settings(const TuneOptions &o, const std::string &model, int per_round) {
  const search::SearchParams &p = o.search;
  nlohmann::json s = {{"format", kRunSettingsFormat},
                      {"workloads", o.workloads},
                      {"seed", o.seed},
                      {"per_round", per_round},
                      {"cost_model", model},
                      {"model_file", o.model_file},
                      {"model_digest", o.model_digest},
                      {"model_options", o.model_options},
                      {"population", p.evolutionary_search_population},
                      {"generations", p.evolutionary_search_num_iters},
                      {"mutation_prob", p.evolutionary_search_mutation_prob},
                      {"eps_greedy", p.eps_greedy},
                      {"local_share", p.local_share},
                      {"task_scheduler", o.scheduler.strategy},
                      {"early_stopping", o.scheduler.early_stopping},
                      {"per_task_early_stopping", o.scheduler.per_task_early_stopping}};
  // Only where set, so that runs recorded before networks could be tuned still resume.
  if (!o.weights.empty()) s["weights"] = o.weights;
  if (!o.network.empty()) s["network"] = o.network;
  return s;
}

int round_size(const TuneOptions &o) {
  return static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>(o.measures_per_round, o.trials / static_cast<int64_t>(std::max<size_t>(
                                                                1, o.workloads.size())))));
}

}  // namespace worldtune::tune
