/// \file Running an experiment: the runs it lacks, then the comparison and the report.
#include "experiment/experiment_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "experiment/experiment_compare.h"
#include "experiment/experiment_report.h"
#include "ir/workload.h"
#include "measure/record_input.h"
#include "support/settings_file.h"
#include "support/strings.h"
#include "tune/tuner.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::experiment {

namespace {

namespace fs = std::filesystem;

/// The identity file beside a run's records.
constexpr const char *kRunSpecFormat = "worldtune-experiment-run-1";

std::string runs_dir(const ExperimentOptions &o) { return (fs::path(o.out_dir) / "runs").string(); }

std::string file_of(const std::string &dir, const RunSpec &run, const std::string &suffix) {
  return (fs::path(dir) / (run.id + suffix)).string();
}

/// The trials a run's done mark says it finished with (0 when unfinished).
int64_t finished_trials(const std::string &dir, const RunSpec &run) {
  std::string path = file_of(dir, run, ".done");
  if (!fs::exists(path)) return 0;
  return read_settings_file(path, kRunSpecFormat).value("trials", int64_t{0});
}

/// Moves every file of the run to invalidated/<id>.<time>/: never deleted, out of the way.
void set_aside(const ExperimentOptions &o, const RunSpec &run, std::ostream &out) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  fs::path to = fs::path(o.out_dir) / "invalidated" /
                (run.id + "." +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()));
  fs::create_directories(to);
  for (const fs::directory_entry &e : fs::directory_iterator(runs_dir(o))) {
    std::string name = e.path().filename().string();
    if (name.rfind(run.id + ".", 0) == 0) fs::rename(e.path(), to / name);
  }
  out << "moved     " << run.id << " (invalidated) to " << to.string() << "\n";
}

/// Refuses (or, when told to, sets aside) the runs whose identity changed.
void check_invalidated(const ExperimentConfig &c, const ExperimentOptions &o,
                       const std::vector<RunSpec> &runs, std::ostream &out) {
  std::vector<std::string> changed;
  for (const RunSpec &run : runs) {
    std::string why;
    if (run_state(c, run, runs_dir(o), &why) != RunState::Invalidated) continue;
    if (o.discard_invalidated)
      set_aside(o, run, out);
    else
      changed.push_back(run.id + ": " + why);
  }
  if (changed.empty()) return;
  std::string list;
  for (size_t i = 0; i < changed.size() && i < 12; ++i) list += "\n  " + changed[i];
  if (changed.size() > 12) list += "\n  ... and " + std::to_string(changed.size() - 12) + " more";
  WT_USER_CHECK(false, BadArgument,
                c.path << " changes what " << changed.size() << " recorded run"
                       << (changed.size() == 1 ? "" : "s") << " in " << runs_dir(o) << " depend on:"
                       << list << "\nrerun with --discard-invalidated to move their records to "
                       << (fs::path(o.out_dir) / "invalidated").string()
                       << " and run them again, or restore the config");
}

/// The last lines of a log, for an error message.
std::string tail_of(const std::string &path, size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "\n    " + all[i];
  return out;
}

/// A packed run's records back as the plain file `tune` appends to (the packed file stays).
void unpack(const std::string &xz, const std::string &plain) {
  std::unique_ptr<std::streambuf> in = measure::open_record_input(xz);
  std::ofstream out(plain + ".tmp", std::ios::binary);
  std::istream bytes(in.get());
  std::copy(std::istreambuf_iterator<char>(bytes), std::istreambuf_iterator<char>(),
            std::ostreambuf_iterator<char>(out));  // an empty file copies as empty
  out.close();
  WT_USER_CHECK(out, Io, "cannot unpack '" << xz << "' into '" << plain << "'");
  fs::rename(plain + ".tmp", plain);
}

/// Compresses a finished run's records with xz (what a committed experiment holds).
void pack(const std::string &plain, std::ostream &out) {
  int rc = std::system(("xz -6 -T1 -f " + shell_quote(plain)).c_str());
  WT_USER_CHECK(
      rc == 0, Io,
      "xz could not compress '" << plain << "' (is xz-utils installed? exit status " << rc << ")");
  out << "packed    " << plain << ".xz\n";
}

void tune_run(const ExperimentConfig &c, const ExperimentOptions &o, const RunSpec &run,
              const Launcher &launch) {
  std::string dir = runs_dir(o), records = file_of(dir, run, ".jsonl");
  if (!fs::exists(records) && fs::exists(records + ".xz")) unpack(records + ".xz", records);
  std::string spec = file_of(dir, run, ".spec.json");
  if (!fs::exists(spec))
    write_json_file(spec, {{"format", kRunSpecFormat}, {"identity", run.identity(c)}}, 2);
  bool resume = fs::exists(records) && fs::file_size(records) > 0;
  std::string log = file_of(dir, run, ".out");
  int rc = launch(run.tune_args(c, records, resume), log);
  WT_USER_CHECK(rc == 0 || rc == 1, BadArgument,
                "run " << run.id << " failed (exit code " << rc << "); the end of " << log << ":"
                       << tail_of(log, 12));
  write_json_file(file_of(dir, run, ".done"), {{"format", kRunSpecFormat}, {"trials", run.trials}},
                  2);
}

/// A report's output: saved in reports/<n>.txt after a first line naming its command, and
/// reused while the command is the same.
std::string report_output(const ExperimentConfig::Report &r, size_t n, const ExperimentOptions &o,
                          const Launcher &launch, std::ostream &out) {
  fs::path dir = fs::path(o.out_dir) / "reports";
  fs::create_directories(dir);
  std::string file = (dir / (std::to_string(n) + ".txt")).string();
  std::string header = "command: " + nlohmann::json(r.command).dump();
  std::ifstream in(file);
  std::string first;
  if (in && std::getline(in, first) && first == header)
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  out << "report    " << r.title << "\n";
  out.flush();
  std::string log = file + ".log";
  fs::remove(log);
  int rc = launch(r.command, log);
  std::ifstream done(log);
  std::string output((std::istreambuf_iterator<char>(done)), std::istreambuf_iterator<char>());
  if (rc != 0) {  // said in the report, kept in the log, tried again next time
    out << "report    '" << r.title << "' failed (exit code " << rc << "): " << log << "\n";
    return format("(failed, exit code %d; its output is in %s)\n", rc, log.c_str()) + output;
  }
  // Written whole through a rename: a cut file would be taken for the command's output.
  {
    std::ofstream tmp(file + ".tmp");
    tmp << header << '\n' << output;
    tmp.close();
    WT_USER_CHECK(tmp, Io, "cannot write '" << file << ".tmp'");
  }
  fs::rename(file + ".tmp", file);
  fs::remove(log);
  return output;
}

/// The experiment's "name=value" model options as a JSON object, to compare with a run settings
/// file's: nlohmann's == compares numbers by value, and the file holds them as the model parsed
/// them (the experiment's `1` is `1.0` there).
nlohmann::json options_object(const std::vector<std::string> &assignments) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string &a : assignments) {
    size_t eq = a.find('=');
    std::string text = a.substr(eq + 1);
    nlohmann::json v = nlohmann::json::parse(text, nullptr, false);
    out[a.substr(0, eq)] = v.is_discarded() ? nlohmann::json(text) : v;
  }
  return out;
}

/// Why the tune run recorded in `records` is not `run` ("" when it is): its run settings and the
/// measurement settings of its records against the run's.
std::string adoption_mismatch(const ExperimentConfig &c, const RunSpec &run,
                              const std::string &records, const std::string &settings) {
  if (!fs::exists(settings)) return "no " + settings;
  nlohmann::json was = read_settings_file(settings, tune::kRunSettingsFormat);
  const nlohmann::json was_options = was.value("model_options", nlohmann::json::object());
  if (was_options != options_object(run.method->model_options))
    return "model_options " + was_options.dump();
  tune::TuneOptions o;
  o.workloads = {run.workload};
  o.trials = run.trials;
  o.seed = run.seed;
  o.model_file = run.method->load_model;
  o.model_digest = run.method->model_digest;
  o.search.local_share = run.method->local_share;
  o.model_options = was["model_options"];
  if (auto change =
          changed_setting(was, tune::run_settings(o, run.method->cost_model, tune::round_size(o))))
    return change->key + " is " + quote_cut(change->was.dump()) + " there, " +
           quote_cut(change->now.dump()) + " in this run";
  std::vector<MeasureRecord> recs = read_records(records);
  for (const auto &[key, value] : c.measure.items())
    if (!recs.empty() && recs.front().measure.contains(key) && recs.front().measure[key] != value)
      return "measure." + key + " " + recs.front().measure[key].dump();
  return "";
}

/// A run's files in the first adopt folder holding them: `<stem>.jsonl` or `<stem>.jsonl.xz`,
/// `<stem>.jsonl.run.json` and `<stem>.out`, under the experiment's name for the run or
/// bench/tune_bench.sh's (one folder per seed). Empty `records` when there is none.
struct Adoptable {
  std::string stem, records;
};

Adoptable find_adoptable(const ExperimentOptions &o, const RunSpec &run) {
  for (const std::string &dir : o.adopt_dirs)
    for (const std::string &name :
         {run.id, run.method->name + "_" + ir::workload_slug(run.workload)}) {
      std::string stem = (fs::path(dir) / name).string();
      for (const char *ext : {".jsonl", ".jsonl.xz"})
        if (fs::exists(stem + ext)) return {stem, stem + ext};
    }
  return {};
}

/// Copies the run from the adopt folder when it is the same run (never moves: its files stay).
void adopt(const ExperimentConfig &c, const ExperimentOptions &o, const RunSpec &run,
           std::ostream &out) {
  Adoptable a = find_adoptable(o, run);
  if (a.records.empty()) return;
  std::string settings = a.stem + ".jsonl.run.json";
  if (std::string why = adoption_mismatch(c, run, a.records, settings); !why.empty()) {
    out << "not taken " << a.records << ": " << why << "\n";
    return;
  }
  std::string dir = runs_dir(o);
  bool packed = a.records.size() > 3 && a.records.compare(a.records.size() - 3, 3, ".xz") == 0;
  std::string to = file_of(dir, run, packed ? ".jsonl.xz" : ".jsonl");
  fs::copy_file(a.records, to);
  fs::copy_file(settings, file_of(dir, run, ".jsonl.run.json"));
  if (fs::exists(a.stem + ".out")) fs::copy_file(a.stem + ".out", file_of(dir, run, ".out"));
  write_json_file(file_of(dir, run, ".spec.json"),
                  {{"format", kRunSpecFormat}, {"identity", run.identity(c)}}, 2);
  int64_t trials = 0;
  for (const MeasureRecord &r : read_records(to)) trials += r.is_baseline() ? 0 : 1;
  if (trials >= run.trials)  // its budget is spent: finished, nothing to replay
    write_json_file(file_of(dir, run, ".done"),
                    {{"format", kRunSpecFormat}, {"trials", run.trials}}, 2);
  out << "adopted   " << a.records << " as " << run.id << " (" << trials << " trials)\n";
}

}  // namespace

RunState run_state(const ExperimentConfig &c, const RunSpec &run, const std::string &dir,
                   std::string *why) {
  std::string spec = file_of(dir, run, ".spec.json");
  bool has_records = fs::exists(run.records_file(dir));
  if (!fs::exists(spec)) {
    if (!has_records) return RunState::Missing;
    if (why) *why = "its records have no " + fs::path(spec).filename().string();
    return RunState::Invalidated;
  }
  nlohmann::json was = read_settings_file(spec, kRunSpecFormat).value("identity", nlohmann::json());
  if (auto change = changed_setting(was, run.identity(c))) {
    if (why)
      *why = change->key + " was " + quote_cut(change->was.dump()) + ", now " +
             quote_cut(change->now.dump());
    return RunState::Invalidated;
  }
  if (has_records && finished_trials(dir, run) >= run.trials) return RunState::Finished;
  return has_records ? RunState::Partial : RunState::Missing;
}

void print_plan(const ExperimentConfig &c, const ExperimentOptions &o, std::ostream &out) {
  static const char *const kNames[] = {"to run", "to continue", "finished", "invalidated"};
  int64_t left = 0;
  std::vector<RunSpec> runs = plan_runs(c);
  for (const RunSpec &run : runs) {
    std::string why;
    RunState s = run_state(c, run, runs_dir(o), &why);
    if (s != RunState::Finished) left += run.trials;
    out << format("%-12s %s (%lld trials)", kNames[static_cast<int>(s)], run.id.c_str(),
                  static_cast<long long>(run.trials))
        << (why.empty() ? "" : ": " + why) << "\n";
  }
  out << format("plan      %zu runs, at most %lld trials left to tune\n", runs.size(),
                static_cast<long long>(left));
}

void run_experiment(const ExperimentConfig &c, const ExperimentOptions &o, const Launcher &launch,
                    std::ostream &out) {
  fs::create_directories(runs_dir(o));
  std::vector<RunSpec> runs = plan_runs(c);
  check_invalidated(c, o, runs, out);
  if (!o.adopt_dirs.empty())
    for (const RunSpec &run : runs)
      if (run_state(c, run, runs_dir(o), nullptr) == RunState::Missing) adopt(c, o, run, out);
  size_t done = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    RunState s = run_state(c, runs[i], runs_dir(o), nullptr);
    if (s == RunState::Finished) {
      ++done;
      continue;
    }
    out << format("run       %zu/%zu %s: %lld trials%s\n", i + 1, runs.size(), runs[i].id.c_str(),
                  static_cast<long long>(runs[i].trials),
                  s == RunState::Partial ? " (continued)" : "");
    out.flush();
    tune_run(c, o, runs[i], launch);
  }
  out << format("runs      %zu: %zu finished before, %zu run now\n", runs.size(), done,
                runs.size() - done);
  std::vector<WorkloadComparison> compared =
      compare_workloads(c, runs, runs_dir(o), o.out_dir, o.compare, out);
  std::vector<std::string> reports;
  for (size_t i = 0; i < c.reports.size(); ++i)
    reports.push_back(report_output(c.reports[i], i + 1, o, launch, out));
  write_report({c, runs, runs_dir(o), compared, reports}, o.out_dir, o.markdown, out);
  if (!o.pack) return;
  for (const RunSpec &run : runs) {
    std::string plain = file_of(runs_dir(o), run, ".jsonl");
    if (!fs::exists(plain)) continue;
    pack(plain, out);
    fs::remove(plain + ".lock");
  }
}

}  // namespace worldtune::experiment
