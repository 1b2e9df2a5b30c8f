/// \file The corpus loop: passes over the workloads, one round each, resumable by re-derivation.
#include "dataset/dataset.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>

#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "support/machine.h"
#include "support/rng.h"
#include "support/settings_file.h"
#include "support/strings.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::dataset {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<std::string> read_workload_list(const std::string &path) {
  std::ifstream in(path);
  WT_USER_CHECK(in.good(), Io, "cannot open workload list '" << path << "'");
  std::vector<std::string> keys;
  std::set<std::string> seen;
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::string key;
    try {
      key = ir::parse_workload(line).key;
    } catch (const UserError &e) {
      throw UserError(e.kind(), path + ":" + std::to_string(no) + ": " + e.what());
    }
    WT_USER_CHECK(seen.insert(key).second, BadArgument,
                  path << ":" << no << ": workload " << key << " is listed twice");
    keys.push_back(key);
  }
  WT_USER_CHECK(!keys.empty(), BadArgument, path << ": lists no workload");
  return keys;
}

std::string workload_file_name(const std::string &key) {
  std::string out;
  for (char c : key) {
    if (c == ':')
      out += "__";
    else if (c == ',')
      out += '_';
    else if (c != '=')
      out += c;
  }
  return out + ".jsonl";
}

bool is_guided_round(int k, double f) {
  return k >= 1 && std::floor((k + 1) * f) > std::floor(k * f);
}

namespace {

/// FNV-1a: a seed per workload that does not depend on the standard library's hash.
uint64_t stable_hash(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// Everything a round's proposals and measurements depend on besides the seed and the records.
nlohmann::json settings_json(const DatasetOptions &o, const std::string &target) {
  const measure::MeasureOptions &m = o.measure;
  return {{"format", kDatasetSettingsFormat},
          {"seed", o.seed},
          {"per_round", o.per_round},
          {"guided_fraction", o.guided_fraction},
          {"guide", o.guide},
          {"balanced_locations", o.search.annotation.balanced_locations},
          {"target", target},
          {"machine", machine_key(machine_json(host_machine(), target), target)},
          {"measure",
           {{"number", m.number},
            {"repeat", m.repeat},
            {"min_repeat_ms", m.min_repeat_ms},
            {"run_timeout_s", m.run_timeout_s},
            {"cache_flush", m.cache_flush},
            {"threads", m.threads},
            {"input_seed", m.input_seed}}}};
}

/// Writes the settings into a new folder; refuses a folder made with other settings.
void check_settings(const DatasetOptions &o, const std::string &target) {
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  WT_USER_CHECK(!ec && fs::is_directory(o.out_dir), Io,
                "cannot make the corpus folder '" << o.out_dir
                                                  << "': " << (ec ? ec.message() : "it is a file"));
  std::string path = (fs::path(o.out_dir) / "dataset.json").string();
  nlohmann::json now = settings_json(o, target);
  if (!fs::exists(path)) return write_json_file(path, now, 2);
  nlohmann::json was = read_settings_file(path, kDatasetSettingsFormat);
  std::optional<SettingChange> c = changed_setting(was, now);
  WT_USER_CHECK(!c, BadArgument,
                o.out_dir << " was made with " << c->key << " " << quote_cut(c->was.dump())
                          << ", this run has " << quote_cut(c->now.dump())
                          << ": resume with the same settings or use another folder");
}

/// One workload of the corpus and what this process keeps of it between passes.
struct Entry {
  ir::Workload workload;
  std::shared_ptr<search::SearchTask> task;
  std::string path;
  std::vector<schedule::State> sketches;
  std::unique_ptr<RecordWriter> writer;  // opened on its first round in this process
  std::unique_ptr<measure::ProgramMeasurer> measurer;
};

/// The records of the entry's file, checked to be of its workload.
std::vector<MeasureRecord> read_entry(const Entry &e) {
  if (!fs::exists(e.path)) return {};
  std::vector<MeasureRecord> recs = read_records(e.path);
  for (const MeasureRecord &r : recs)
    WT_USER_CHECK(r.workload == e.workload.key && !r.is_baseline(), BadRecord,
                  e.path << " holds a record of " << (r.is_baseline() ? r.method : r.workload)
                         << ", not only tuned programs of " << e.workload.key);
  return recs;
}

class CorpusRun {
 public:
  CorpusRun(const DatasetOptions &o, const ModelFactory &guide, std::ostream &out)
      : o_(o), guide_(guide), out_(out) {}

  DatasetReport run();

 private:
  /// Measures the rest of round k of entry `e`; returns the records written.
  int64_t run_round(Entry &e, const std::vector<MeasureRecord> &recs);
  std::vector<schedule::State> propose(Entry &e, int k, const std::vector<MeasureRecord> &prefix);
  void progress(const Entry &e, int k, bool guided, int64_t wrote, int64_t ok);

  const DatasetOptions &o_;
  const ModelFactory &guide_;
  std::ostream &out_;
  std::string target_;
  std::vector<Entry> entries_;
  DatasetReport rep_;
  int64_t total_ = 0, goal_ = 0;
  Clock::time_point t0_ = Clock::now();
  int pass_ = 0;
};

std::vector<schedule::State> CorpusRun::propose(Entry &e, int k,
                                                const std::vector<MeasureRecord> &prefix) {
  uint64_t seed = o_.seed ^ stable_hash(e.workload.key) ^ (0x9E3779B97F4A7C15ull * (k + 1));
  std::vector<schedule::State> measured;
  for (const MeasureRecord &r : prefix)
    measured.push_back(schedule::State::replay(e.workload.dag, schedule::steps_from_json(r.steps)));
  std::vector<schedule::State> out;
  if (is_guided_round(k, o_.guided_fraction)) {
    search::SketchPolicy policy(e.task, o_.search, seed);
    std::vector<search::MeasuredState> learned;
    for (size_t i = 0; i < prefix.size(); ++i) {
      policy.record(measured[i], prefix[i].result);
      learned.push_back({e.task, measured[i], prefix[i].result});
    }
    std::unique_ptr<search::CostModel> model = guide_();
    model->update(learned);
    out = policy.next_batch(*model, o_.per_round, o_.per_round);
    seed ^= 0x5BD1E995u;  // random top-up of a short guided round: a stream of its own
  }
  // Random annotations fill the round, so a round is short only when the space is: a short round
  // would end the workload, every later pass deriving the same proposals again.
  std::set<std::string> taken;
  for (const schedule::State &s : measured) taken.insert(s.key());
  for (const schedule::State &s : out) taken.insert(s.key());
  search::AnnotationParams ap = o_.search.annotation;
  ap.hw = e.task->hw;
  Rng rng(seed);
  for (int attempt = 0; attempt < 4 && static_cast<int>(out.size()) < o_.per_round; ++attempt)
    for (schedule::State &s : search::sample_states(e.sketches, 2 * o_.per_round, ap, rng))
      if (static_cast<int>(out.size()) < o_.per_round && taken.insert(s.key()).second)
        out.push_back(std::move(s));
  return out;
}

int64_t CorpusRun::run_round(Entry &e, const std::vector<MeasureRecord> &recs) {
  int n = static_cast<int>(recs.size());
  int k = n / o_.per_round;
  std::vector<MeasureRecord> prefix(recs.begin(), recs.begin() + int64_t{k} * o_.per_round);
  std::set<std::string> have;
  double best = kFailedCost;
  for (const MeasureRecord &r : recs) {
    have.insert(schedule::steps_to_json(schedule::steps_from_json(r.steps)).dump());
    if (r.result.ok()) best = std::min(best, r.result.mean_cost());
  }
  // The rest of round k (a killed run's round is finished, never overfilled).
  int room = std::min(o_.count, (k + 1) * o_.per_round) - n;
  std::vector<schedule::State> todo;
  for (schedule::State &s : propose(e, k, prefix))
    if (!have.count(s.key()) && static_cast<int>(todo.size()) < room) todo.push_back(std::move(s));
  if (todo.empty()) return 0;
  if (!e.measurer) {
    e.measurer = std::make_unique<measure::ProgramMeasurer>(e.workload, o_.measure, e.task->hw,
                                                            o_.seed, e.writer.get());
  }
  e.measurer->set_best_cost(best);  // only programs faster than the file's best are checked
  int64_t ok = 0;
  e.measurer->measure(todo, [&](size_t, const MeasureResult &r) { ok += r.ok(); });
  rep_.measured += static_cast<int64_t>(todo.size());
  rep_.succeeded += ok;
  total_ += static_cast<int64_t>(todo.size());
  progress(e, k, is_guided_round(k, o_.guided_fraction), static_cast<int64_t>(todo.size()), ok);
  return static_cast<int64_t>(todo.size());
}

void CorpusRun::progress(const Entry &e, int k, bool guided, int64_t wrote, int64_t ok) {
  if (!o_.verbose) return;
  double s = std::chrono::duration<double>(Clock::now() - t0_).count();
  double per_hour = s > 0 ? static_cast<double>(rep_.measured) / s * 3600 : 0;
  double eta_h = per_hour > 0 ? static_cast<double>(goal_ - total_) / per_hour : 0;
  char line[512];
  std::snprintf(line, sizeof line,
                "pass %d | %-52.52s round %d %-6s +%lld (%lld ok) | corpus %lld/%lld | "
                "%.0f records/h | ETA %.1f h\n",
                pass_, e.workload.key.c_str(), k, guided ? "guided" : "random",
                static_cast<long long>(wrote), static_cast<long long>(ok),
                static_cast<long long>(total_), static_cast<long long>(goal_), per_hour, eta_h);
  out_ << line;
  out_.flush();
}

DatasetReport CorpusRun::run() {
  target_ = halide_backend::canonical_target_string(o_.measure.target);
  check_settings(o_, target_);
  search::HardwareParams hw = search::host_hardware_params();
  for (const std::string &key : o_.workloads) {
    Entry e;
    e.workload = ir::parse_workload(key);
    e.task = std::make_shared<search::SearchTask>();
    e.task->workload_key = e.workload.key;
    e.task->dag = e.workload.dag;
    e.task->hw = hw;
    e.task->target = target_;
    e.task->flop_count = e.workload.dag->flop_count();
    e.task->machine = machine_key(machine_json(host_machine(), target_), target_);
    e.path = (fs::path(o_.out_dir) / workload_file_name(e.workload.key)).string();
    WT_USER_CHECK(!fs::exists(e.path + ".xz"), BadArgument,
                  o_.out_dir << " holds " << e.path
                             << ".xz, a packed corpus: dataset appends to plain records files; "
                                "measure into another folder (or unxz it)");
    search::SketchParams sp = o_.search.sketch;
    sp.hw = hw;
    e.sketches = search::generate_sketches(schedule::State(e.workload.dag), sp);
    total_ += std::min<int64_t>(o_.count, static_cast<int64_t>(read_entry(e).size()));
    entries_.push_back(std::move(e));
  }
  goal_ = int64_t{o_.count} * static_cast<int64_t>(entries_.size());
  if (o_.verbose)
    out_ << "dataset: " << entries_.size() << " workloads x " << o_.count << " records in "
         << o_.out_dir << " (" << total_ << " there already), " << o_.per_round
         << " per round, guided share " << o_.guided_fraction << ", seed " << o_.seed << ", target "
         << target_ << "\n";
  for (bool progressed = true; progressed; ++pass_) {
    progressed = false;
    for (Entry &e : entries_) {
      // The lock before reading, so no other writer appends meanwhile; the writer keeps it.
      if (!e.writer) e.writer = std::make_unique<RecordWriter>(e.path, RecordsLock(e.path));
      std::vector<MeasureRecord> recs = read_entry(e);
      if (static_cast<int>(recs.size()) >= o_.count) continue;
      progressed |= run_round(e, recs) > 0;
    }
  }
  for (const Entry &e : entries_) {
    int64_t n = static_cast<int64_t>(read_entry(e).size());
    if (n < o_.count) {
      rep_.short_workloads.push_back(e.workload.key);
      if (o_.verbose)
        out_ << "warning: " << e.workload.key << " stopped at " << n << " of " << o_.count
             << " records: its search space gave no new programs\n";
    }
  }
  rep_.total = total_;
  rep_.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
  return rep_;
}

}  // namespace

DatasetReport make_dataset(const DatasetOptions &o, const ModelFactory &guide, std::ostream &out) {
  WT_USER_CHECK(!o.workloads.empty(), BadArgument, "no workloads to measure");
  WT_USER_CHECK(o.count > 0 && o.per_round > 0, BadArgument,
                "--count and --per-round must be positive");
  WT_USER_CHECK(o.guided_fraction >= 0 && o.guided_fraction <= 1, BadArgument,
                "--guided-fraction must be in [0, 1]");
  return CorpusRun(o, guide, out).run();
}

}  // namespace worldtune::dataset
