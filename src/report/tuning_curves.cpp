/// \file Tuning curves from records files.
#include "report/tuning_curves.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "ir/workload.h"
#include "support/settings_file.h"
#include "support/statistics.h"
#include "tune/tuner.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::report {

namespace {

/// "xgb", "world (world-cal, online=false)": the cost model and what changed it.
std::string method_of(const nlohmann::json &run) {
  std::vector<std::string> extras;
  std::string model_file = run.value("model_file", std::string());
  if (!model_file.empty()) extras.push_back(std::filesystem::path(model_file).stem().string());
  const nlohmann::json &options = run.value("model_options", nlohmann::json::object());
  if (options.is_object())
    for (const auto &[name, value] : options.items())
      extras.push_back(option_assignment(name, value));
  std::string method = run.value("cost_model", std::string("?"));
  if (extras.empty()) return method;
  std::string joined;
  for (const std::string &e : extras) joined += (joined.empty() ? "" : ", ") + e;
  return method + " (" + joined + ")";
}

/// The file name without its record suffixes: "runs/xgb_matmul.jsonl.xz" -> "xgb_matmul".
std::string file_stem(const std::string &path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char *suffix : {".xz", ".jsonl", ".json"})
    if (name.size() > std::string(suffix).size() &&
        name.compare(name.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
      name.resize(name.size() - std::string(suffix).size());
  return name;
}

double gflops_of(const std::string &workload, double seconds,
                 std::map<std::string, double> &flops) {
  auto it = flops.find(workload);
  if (it == flops.end())
    it = flops.emplace(workload, ir::parse_workload(workload).dag->flop_count()).first;
  return it->second / seconds / 1e9;
}

/// One curve with its band from several runs' best-so-far sequences, up to the shortest.
Curve band_curve(const std::string &label, const std::vector<const std::vector<double> *> &runs) {
  Curve c;
  c.label = label;
  c.runs = static_cast<int>(runs.size());
  size_t n = runs.front()->size();
  for (const std::vector<double> *r : runs) n = std::min(n, r->size());
  for (size_t t = 0; t < n; ++t) {
    std::vector<double> at;
    for (const std::vector<double> *r : runs) at.push_back((*r)[t]);
    c.best.push_back(median(at));
    c.low.push_back(*std::min_element(at.begin(), at.end()));
    c.high.push_back(*std::max_element(at.begin(), at.end()));
  }
  return c;
}

/// A peer measured in several files keeps its fastest measurement.
void merge_peers(std::vector<Peer> &into, const std::vector<Peer> &from) {
  for (const Peer &p : from) {
    if (!(p.gflops > 0)) continue;  // a failed baseline draws no line
    auto q =
        std::find_if(into.begin(), into.end(), [&](const Peer &x) { return x.method == p.method; });
    if (q == into.end())
      into.push_back(p);
    else
      q->gflops = std::max(q->gflops, p.gflops);
  }
}

/// The runs of one workload that make one curve.
struct CurveGroup {
  std::string key;
  std::vector<const RunCurves *> runs;
  std::vector<const std::vector<double> *> bests;
};

/// The curve a run joins: its method's when seeds are banded and its seed is not there yet (a
/// second run of one seed is a curve of its own), else its own.
CurveGroup &group_for(std::vector<CurveGroup> &groups, const RunCurves &run, bool band_seeds) {
  auto find = [&](const std::string &key) {
    return std::find_if(groups.begin(), groups.end(),
                        [&](const CurveGroup &c) { return c.key == key; });
  };
  auto slot = band_seeds ? find(run.label.method) : groups.end();
  bool seed_taken = slot != groups.end() &&
                    std::any_of(slot->runs.begin(), slot->runs.end(), [&](const RunCurves *r) {
                      return r->label.seed == run.label.seed;
                    });
  std::string key = band_seeds && !seed_taken ? run.label.method : run.path;
  slot = find(key);
  if (slot == groups.end()) slot = groups.insert(groups.end(), CurveGroup{key, {}, {}});
  return *slot;
}

Curve curve_of(const CurveGroup &g) {
  if (g.runs.size() == 1) return {g.runs.front()->label.label(), *g.bests.front(), {}, {}, 1};
  return band_curve(g.runs.front()->label.method + " (" + std::to_string(g.runs.size()) + " seeds)",
                    g.bests);
}

}  // namespace

std::string RunLabel::label() const {
  return has_seed ? method + " seed " + std::to_string(seed) : method;
}

RunLabel run_label(const std::string &records_path) {
  RunLabel l;
  std::string plain = records_path;  // a packed run's settings stay beside the plain name
  if (plain.size() > 3 && plain.compare(plain.size() - 3, 3, ".xz") == 0)
    plain.resize(plain.size() - 3);
  std::string settings = plain + ".run.json";
  if (std::filesystem::exists(settings)) {
    nlohmann::json run = read_settings_file(settings, tune::kRunSettingsFormat);
    l.method = method_of(run);
    l.has_seed = run.contains("seed") && run["seed"].is_number_unsigned();
    if (l.has_seed) l.seed = run["seed"].get<uint64_t>();
    return l;
  }
  l.method = file_stem(records_path);
  return l;
}

RunCurves read_run_curves(const std::string &records_path) {
  RunCurves out;
  out.path = records_path;
  out.label = run_label(records_path);
  std::vector<MeasureRecord> records = read_records(records_path);
  if (!out.label.has_seed && !records.empty()) {
    out.label.seed = records.front().seed;
    out.label.has_seed = true;
  }
  std::map<std::string, size_t> index;
  std::map<std::string, double> flops;
  for (const MeasureRecord &r : records) {
    auto [it, added] = index.try_emplace(r.workload, out.workloads.size());
    if (added) out.workloads.push_back({r.workload, {}, {}});
    RunWorkload &w = out.workloads[it->second];
    double g = r.result.ok() ? gflops_of(r.workload, r.result.mean_cost(), flops) : 0.0;
    if (r.is_baseline()) {
      merge_peers(w.peers, {{r.method, g}});
      continue;
    }
    w.best.push_back(std::max(g, w.best.empty() ? 0.0 : w.best.back()));
  }
  return out;
}

std::vector<Panel> make_panels(const std::vector<RunCurves> &runs, bool band_seeds) {
  std::vector<Panel> panels;
  std::vector<std::vector<CurveGroup>> groups;  // per panel, in the order first seen
  std::map<std::string, size_t> index;
  for (const RunCurves &run : runs)
    for (const RunWorkload &w : run.workloads) {
      auto [it, added] = index.try_emplace(w.workload, panels.size());
      if (added) {
        panels.push_back({w.workload, {}, {}});
        groups.emplace_back();
      }
      merge_peers(panels[it->second].peers, w.peers);
      if (w.best.empty()) continue;  // only baselines
      CurveGroup &g = group_for(groups[it->second], run, band_seeds);
      g.runs.push_back(&run);
      g.bests.push_back(&w.best);
    }
  for (size_t i = 0; i < panels.size(); ++i)
    for (const CurveGroup &g : groups[i]) panels[i].curves.push_back(curve_of(g));
  return panels;
}

}  // namespace worldtune::report
