/// \file Tables, CSV and plots of an experiment.
#include "experiment/experiment_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "report/gnuplot_plot.h"
#include "report/tuning_curves.h"
#include "support/machine.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::experiment {

namespace {

namespace fs = std::filesystem;

/// The figure a table shows: re-measured when the workload was compared, else the tuner's.
double figure(const WorkloadComparison &w, const ComparedEntry &e) {
  return w.remeasured ? e.gflops : e.in_run_gflops;
}

/// Geometric mean of the positive values (0 when there is none).
double geomean(const std::vector<double> &v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (x > 0) {
      s += std::log(x);
      ++n;
    }
  return n ? std::exp(s / n) : 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void write_csv(const std::vector<WorkloadComparison> &compared, const std::string &path) {
  std::ofstream csv(path);
  WT_USER_CHECK(csv, Io, "cannot write '" << path << "'");
  csv << "workload,method,peer,seed,checkpoint,best_trial,in_run_gflops,gflops,remeasured,error\n";
  for (const WorkloadComparison &w : compared)
    for (const ComparedEntry &e : w.entries)
      csv << '"' << w.workload << "\"," << e.method << ',' << (e.peer ? 1 : 0) << ',' << e.seed
          << ',' << e.checkpoint << ',' << e.best_trial << ',' << e.in_run_gflops << ',' << e.gflops
          << ',' << (w.remeasured ? 1 : 0) << ",\"" << e.error << "\"\n";
}

/// The figures of a column in one workload: a method's seeds at checkpoint k, or a peer.
std::vector<double> column(const WorkloadComparison &w, const std::string &name, bool peer,
                           int64_t k) {
  std::vector<double> out;
  for (const ComparedEntry &e : w.entries)
    if (e.method == name && e.peer == peer && (peer || e.checkpoint == k))
      out.push_back(figure(w, e));
  return out;
}

std::string cell(const std::vector<double> &v) {
  if (v.empty()) return "";
  double g = geomean(v);
  return g > 0 ? format("%.1f", g) : "failed";
}

/// One checkpoint's table: workloads x (methods with that budget, peers), geomeans last.
void checkpoint_table(const ExperimentConfig &c, const std::vector<WorkloadComparison> &compared,
                      int64_t k, std::ostream &md) {
  std::vector<std::string> methods;
  for (const MethodSpec &m : c.methods)
    if ((m.trials > 0 ? m.trials : c.trials) >= k) methods.push_back(m.name);
  md << "\n## Best after " << k << " trials\n\n| workload |";
  for (const std::string &m : methods) md << ' ' << m << " |";
  for (const std::string &p : c.peers) md << ' ' << p << " |";
  md << "\n|---|";
  for (size_t i = 0; i < methods.size() + c.peers.size(); ++i) md << "---|";
  md << '\n';
  std::map<std::string, std::vector<double>> all;
  for (const WorkloadComparison &w : compared) {
    md << "| `" << w.workload << "`" << (w.remeasured ? "" : " (in-run)") << " |";
    for (const std::string &m : methods) {
      std::vector<double> v = column(w, m, false, k);
      md << ' ' << cell(v) << " |";
      all[m].insert(all[m].end(), v.begin(), v.end());
    }
    for (const std::string &p : c.peers) {
      std::vector<double> v = column(w, p, true, 0);
      md << ' ' << cell(v) << " |";
      all["peer " + p].insert(all["peer " + p].end(), v.begin(), v.end());
    }
    md << '\n';
  }
  md << "| geometric mean |";
  for (const std::string &m : methods) md << format(" **%.2f** |", geomean(all[m]));
  for (const std::string &p : c.peers) md << format(" %.2f |", geomean(all["peer " + p]));
  md << "\n\n";
  double base = methods.empty() ? 0 : geomean(all[methods.front()]);
  for (size_t i = 1; i < methods.size() && base > 0; ++i)
    md << format("- %s / %s: %.3fx\n", methods[i].c_str(), methods.front().c_str(),
                 geomean(all[methods[i]]) / base);
}

/// Per method, per workload, the seeds' in-run best-so-far sequences.
std::map<std::string, std::vector<std::vector<std::vector<double>>>> method_curves(
    const ExperimentConfig &c, const std::vector<RunSpec> &runs, const std::string &runs_dir) {
  std::map<std::string, std::vector<std::vector<std::vector<double>>>> out;
  for (const MethodSpec &m : c.methods) out[m.name].resize(c.workloads.size());
  for (const RunSpec &run : runs) {
    std::string path = run.records_file(runs_dir);
    if (!fs::exists(path)) continue;
    report::RunCurves rc = report::read_run_curves(path);
    size_t w = static_cast<size_t>(std::find(c.workloads.begin(), c.workloads.end(), run.workload) -
                                   c.workloads.begin());
    for (const report::RunWorkload &rw : rc.workloads)
      if (rw.workload == run.workload) {
        std::vector<double> best = rw.best;
        if (best.size() > static_cast<size_t>(run.trials)) best.resize(run.trials);
        out[run.method->name][w].push_back(best);
      }
  }
  return out;
}

double final_level(const std::vector<std::vector<std::vector<double>>> &curves) {
  std::vector<double> per_workload;
  for (const auto &seeds : curves) {
    std::vector<double> finals;
    for (const auto &s : seeds)
      if (!s.empty()) finals.push_back(s.back());
    per_workload.push_back(median(finals));
  }
  return geomean(per_workload);
}

void reference_table(const ExperimentConfig &c, const std::vector<RunSpec> &runs,
                     const std::string &runs_dir, std::ostream &md) {
  auto curves = method_curves(c, runs, runs_dir);
  double level = final_level(curves[c.reference]);
  md << format("\n## Trials to reach %.1f%% of %s\n\n", 100 * c.reference_share,
               c.reference.c_str())
     << format(
            "The level: %.2f%% of the geometric mean over workloads of %s's best after its "
            "budget (%.2f GFLOP/s). Per trial, each method's geometric mean over workloads of "
            "its best so far (median over seeds), as the tuners measured them.\n\n",
            100 * c.reference_share, c.reference.c_str(), level)
     << "| method | trials to reach it | geomean after its budget | share of the reference |\n"
        "|---|---|---|---|\n";
  for (const MethodSpec &m : c.methods) {
    int64_t t = trials_to_reach(curves[m.name], c.reference_share * level);
    double end = final_level(curves[m.name]);
    md << "| " << m.name << " | " << (t > 0 ? std::to_string(t) : "not reached") << " | "
       << format("%.2f | %.1f%% |\n", end, level > 0 ? 100 * end / level : 0.0);
  }
}

/// Where a run's tuning time went, summed over the invocations its output file holds.
struct TimeSplit {
  double total = 0, search = 0, predict = 0, build = 0, run = 0, train = 0;
  double scored = 0, scored_s = 0;  ///< states the model really scored, and their seconds
};

TimeSplit time_split(const std::string &out_file) {
  TimeSplit t;
  std::ifstream in(out_file);
  double total = 0;
  for (std::string line; std::getline(in, line);) {
    double s = 0, a = 0, b = 0, c = 0, d = 0, e = 0, rate = 0;
    long long n = 0, restored = 0;
    if (std::sscanf(line.c_str(), "summary %lld trials (%lld restored from the records), %lf s", &n,
                    &restored, &s) == 3) {
      total = s;
      t.total += s;
    } else if (std::sscanf(line.c_str(),
                           "time search %lf%% (prediction %lf%%), build %lf%%, run %lf%%, "
                           "training %lf%%",
                           &a, &b, &c, &d, &e) == 5) {
      t.search += total * a / 100;
      t.predict += total * b / 100;
      t.build += total * c / 100;
      t.run += total * d / 100;
      t.train += total * e / 100;
    } else if (std::sscanf(line.c_str(), "model %lld states scored, %lf states/s", &n, &rate) ==
                   2 &&
               rate > 0) {
      t.scored += static_cast<double>(n);
      t.scored_s += static_cast<double>(n) / rate;
    }
  }
  return t;
}

void time_table(const ExperimentConfig &c, const std::vector<RunSpec> &runs,
                const std::string &runs_dir, std::ostream &md) {
  md << "\n## Where tuning time goes\n\nPer method, summed over its runs (each run's output, "
        "`runs/<run>.out`): seconds per trial and the shares of search (of which cost-model "
        "prediction), building, running and training; the states per second the model scored "
        "when it really scored (xgb's random warm-up excluded).\n\n"
        "| method | s per trial | search | prediction | build | run | training | states/s |\n"
        "|---|---|---|---|---|---|---|---|\n";
  for (const MethodSpec &m : c.methods) {
    TimeSplit sum;
    int64_t trials = 0;
    for (const RunSpec &run : runs) {
      if (run.method != &m) continue;
      TimeSplit t = time_split((fs::path(runs_dir) / (run.id + ".out")).string());
      sum.total += t.total, sum.search += t.search, sum.predict += t.predict;
      sum.build += t.build, sum.run += t.run, sum.train += t.train;
      sum.scored += t.scored, sum.scored_s += t.scored_s;
      trials += run.trials;
    }
    if (!(sum.total > 0) || trials == 0) continue;
    auto share = [&](double x) { return format("%.1f%%", 100 * x / sum.total); };
    md << "| " << m.name << format(" | %.2f | ", sum.total / static_cast<double>(trials))
       << share(sum.search) << " | " << share(sum.predict) << " | " << share(sum.build) << " | "
       << share(sum.run) << " | " << share(sum.train) << " | "
       << (sum.scored_s > 0 ? format("%.0f", sum.scored / sum.scored_s) : std::string("-"))
       << " |\n";
  }
}

void write_plot(const ExperimentConfig &c, const std::vector<RunSpec> &runs,
                const std::string &runs_dir, const std::vector<WorkloadComparison> &compared,
                const std::string &path) {
  std::vector<report::RunCurves> curves;
  for (const RunSpec &run : runs) {
    std::string records = run.records_file(runs_dir);
    if (!fs::exists(records)) continue;
    curves.push_back(report::read_run_curves(records));
    curves.back().label = {run.method->name, run.seed, true};
  }
  std::vector<report::Panel> panels = report::make_panels(curves, true);
  for (report::Panel &p : panels)
    for (const WorkloadComparison &w : compared)
      if (w.workload == p.workload && w.remeasured)
        for (const ComparedEntry &e : w.entries)
          if (e.peer && e.gflops > 0) p.peers.push_back({e.method, e.gflops});
  if (!panels.empty()) report::render_plot(panels, {path, 0, 0, c.path, ""});
}

/// The markdown of the report, its image at `image`.
std::string markdown_of(const ReportInputs &in, const std::string &image) {
  const ExperimentConfig &c = in.config;
  std::ostringstream md;
  const MachineInfo &host = host_machine();
  md << "# Experiment `" << c.path << "`\n\nMachine: " << host.cpu << ", " << host.cores
     << " cores. Figures: GFLOP/s of each run's best schedule among its first K trials, "
     << "re-measured side by side in one process per workload (median of " << c.compare_rounds
     << " interleaved rounds, every output checked); a cell is the geometric mean over seeds "
     << "(";
  for (size_t i = 0; i < c.seeds.size(); ++i) md << (i ? ", " : "") << c.seeds[i];
  md << "). Rows marked (in-run) were not re-measured: the tuner's own figures. Per-seed "
        "figures: results.csv.\n\n![tuning curves]("
     << image << ")\n";
  for (int64_t k : c.checkpoints) checkpoint_table(c, in.compared, k, md);
  if (!c.reference.empty()) reference_table(c, in.runs, in.runs_dir, md);
  time_table(c, in.runs, in.runs_dir, md);
  for (size_t i = 0; i < c.reports.size() && i < in.report_outputs.size(); ++i)
    md << "\n## " << c.reports[i].title << "\n\n`"
       << join_mapped(c.reports[i].command, " ", [](const std::string &a) { return a; })
       << "`:\n\n```\n"
       << in.report_outputs[i] << "```\n";
  return md.str();
}

}  // namespace

int64_t trials_to_reach(const std::vector<std::vector<std::vector<double>>> &curves, double level) {
  if (curves.empty() || !(level > 0)) return 0;
  for (size_t t = 0;; ++t) {
    std::vector<double> per_workload;
    bool any = false;
    for (const auto &seeds : curves) {
      std::vector<double> at;
      for (const auto &s : seeds)
        if (t < s.size()) at.push_back(s[t]);
      any = any || !at.empty();
      per_workload.push_back(at.empty() ? 0 : median(at));
    }
    if (!any) return 0;
    bool all_positive =
        std::all_of(per_workload.begin(), per_workload.end(), [](double x) { return x > 0; });
    if (all_positive && geomean(per_workload) >= level) return static_cast<int64_t>(t + 1);
  }
}

void write_report(const ReportInputs &in, const std::string &out_dir, const std::string &markdown,
                  std::ostream &out) {
  write_csv(in.compared, (fs::path(out_dir) / "results.csv").string());
  std::string png = (fs::path(out_dir) / "curves.png").string();
  write_plot(in.config, in.runs, in.runs_dir, in.compared, png);
  std::string md_path = (fs::path(out_dir) / "results.md").string();
  std::string md = markdown_of(in, "curves.png");
  std::ofstream(md_path) << md;
  if (!markdown.empty()) {
    fs::path from = fs::absolute(markdown).parent_path();
    std::ofstream copy(markdown);
    copy << markdown_of(in, fs::relative(fs::absolute(png), from).string());
    WT_USER_CHECK(copy, Io, "cannot write '" << markdown << "'");
  }
  out << "wrote     " << md_path << ", results.csv, curves.png"
      << (markdown.empty() ? "" : ", " + markdown) << "\n"
      << md;
}

}  // namespace worldtune::experiment
