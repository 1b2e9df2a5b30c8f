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
#include "support/statistics.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::experiment {

namespace {

namespace fs = std::filesystem;

/// The figure a table shows: re-measured when the workload was compared, else the tuner's; with
/// `pass` (0-based), that comparison pass's (-1 when it was not measured).
double figure(const WorkloadComparison &w, const ComparedEntry &e, int pass = -1) {
  if (pass >= 0) return e.pass_gflops.at(static_cast<size_t>(pass));
  return w.remeasured ? e.gflops : e.in_run_gflops;
}

void write_text(const std::string &path, const std::string &text) {
  std::ofstream f(path);
  f << text;
  f.close();
  WT_USER_CHECK(f, Io, "cannot write '" << path << "'");
}

std::string csv_quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return out + "\"";
}

void write_csv(const std::vector<WorkloadComparison> &compared, const std::string &path) {
  std::ofstream csv(path);
  WT_USER_CHECK(csv, Io, "cannot write '" << path << "'");
  csv << "workload,method,peer,seed,checkpoint,best_trial,in_run_gflops,gflops,remeasured,error\n";
  for (const WorkloadComparison &w : compared)
    for (const ComparedEntry &e : w.entries)
      csv << csv_quote(w.workload) << ',' << e.method << ',' << (e.peer ? 1 : 0) << ',' << e.seed
          << ',' << e.checkpoint << ',' << e.best_trial << ',' << e.in_run_gflops << ',' << e.gflops
          << ',' << (w.remeasured ? 1 : 0) << ',' << csv_quote(e.error) << '\n';
}

/// The figures of a column in one workload: a method's seeds at checkpoint k (0 for a failure),
/// or a peer (none where it does not apply, e.g. oneDNN for softmax).
std::vector<double> column(const WorkloadComparison &w, const std::string &name, bool peer,
                           int64_t k, int pass = -1) {
  std::vector<double> out;
  for (const ComparedEntry &e : w.entries)
    if (e.method == name && e.peer == peer && (peer || e.checkpoint == k) &&
        e.error.rfind("n/a", 0) != 0)
      out.push_back(figure(w, e, pass));
  return out;
}

/// The geometric mean of the figures, saying how many failed rather than leaving them out.
std::string mean_cell(const std::vector<double> &v, const char *fmt) {
  if (v.empty()) return "n/a";
  std::vector<double> ok;
  for (double x : v)
    if (x > 0) ok.push_back(x);
  if (ok.empty()) return "failed";
  std::string mean = format(fmt, geometric_mean(ok));
  return ok.size() == v.size()
             ? mean
             : format("%s (%zu of %zu failed)", mean.c_str(), v.size() - ok.size(), v.size());
}

/// A column's figures over every workload (and seed): what a table's geometric mean is of.
std::vector<double> figures_at(const std::vector<WorkloadComparison> &compared,
                               const std::string &name, bool peer, int64_t k, int pass = -1) {
  std::vector<double> out;
  for (const WorkloadComparison &w : compared) {
    std::vector<double> v = column(w, name, peer, k, pass);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

/// One checkpoint's table: workloads x (methods with that budget, peers), geomeans last.
void checkpoint_table(const ExperimentConfig &c, const std::vector<WorkloadComparison> &compared,
                      int64_t k, std::ostream &md) {
  std::vector<std::string> methods;
  for (const MethodSpec &m : c.methods)
    if (budget_of(c, m) >= k) methods.push_back(m.name);
  md << "\n## Best after " << k << " trials\n\n| workload |";
  for (const std::string &m : methods) md << ' ' << m << " |";
  for (const std::string &p : c.peers) md << ' ' << p << " |";
  md << "\n|---|";
  for (size_t i = 0; i < methods.size() + c.peers.size(); ++i) md << "---|";
  md << '\n';
  for (const WorkloadComparison &w : compared) {
    md << "| `" << w.workload << "`" << (w.remeasured ? "" : " (in-run)")
       << (w.remeasured && w.passes < c.compare_passes
               ? format(" (%d of %d passes)", w.passes, c.compare_passes)
               : std::string())
       << " |";
    for (const std::string &m : methods) {
      std::vector<double> v = column(w, m, false, k);
      md << ' ' << (v.empty() ? "" : mean_cell(v, "%.1f")) << " |";
    }
    for (const std::string &p : c.peers)
      md << ' ' << mean_cell(column(w, p, true, 0), "%.1f") << " |";
    md << '\n';
  }
  std::vector<std::vector<double>> figures;  // per method, over every workload and seed
  for (const std::string &m : methods) figures.push_back(figures_at(compared, m, false, k));
  md << "| geometric mean |";
  for (const std::vector<double> &f : figures) md << " **" << mean_cell(f, "%.2f") << "** |";
  for (const std::string &p : c.peers)
    md << ' ' << mean_cell(figures_at(compared, p, true, 0), "%.2f") << " |";
  md << "\n\nMeans are over every workload and seed; a method with a failure has none (the "
        "failures are counted instead); a peer's is over the workloads it applies to.\n\n";
  double base = figures.empty() ? 0 : geometric_mean(figures.front());
  for (size_t i = 1; i < methods.size() && base > 0; ++i)
    if (double g = geometric_mean(figures[i]); g > 0)
      md << format("- %s / %s: %.3fx\n", methods[i].c_str(), methods.front().c_str(), g / base);
}

/// Text as one markdown table cell: a '|' or a line break would end the cell or the row.
std::string table_cell(const std::string &text) {
  std::string out;
  for (char ch : text)
    out += ch == '|' ? std::string("\\|") : std::string(1, ch == '\n' ? ' ' : ch);
  return out;
}

/// How far below 1 a ratio is, in percent; never "0.0" for a ratio that is short at all.
std::string shortfall(double ratio) {
  double pct = 100 * (1 - ratio);
  return pct < 0.05 ? "< 0.1" : format("%.1f", pct);
}

/// A claim's ratio of geometric means: from the figures of the tables, or (`pass` >= 0) from one
/// comparison pass's; 0 when a figure is missing.
double claim_ratio(const std::vector<WorkloadComparison> &compared,
                   const ExperimentConfig::Claim &cl, int pass = -1) {
  double a = geometric_mean(figures_at(compared, cl.method, false, cl.checkpoint, pass));
  double b = geometric_mean(figures_at(compared, cl.over, false, cl.over_checkpoint, pass));
  return a > 0 && b > 0 ? a / b : 0;
}

/// The claim's ratio in each comparison pass (0 where a pass lacks a figure).
std::vector<double> pass_ratios(const ExperimentConfig &c,
                                const std::vector<WorkloadComparison> &compared,
                                const ExperimentConfig::Claim &cl) {
  std::vector<double> out;
  for (int p = 0; p < c.compare_passes; ++p) out.push_back(claim_ratio(compared, cl, p));
  return out;
}

/// The claim's figure: with several passes the median of the passes' ratios, so that both sides
/// of a ratio come from the same pass (a median per kernel would pair figures of different
/// passes); else the ratio of the tables' figures.
double claim_figure(const ExperimentConfig &c, const std::vector<WorkloadComparison> &compared,
                    const ExperimentConfig::Claim &cl) {
  if (c.compare_passes == 1) return claim_ratio(compared, cl);
  std::vector<double> ratios = pass_ratios(c, compared, cl);
  if (std::find(ratios.begin(), ratios.end(), 0.0) != ratios.end()) return 0;
  return median(ratios);
}

/// The passes' ratios as a cell, e.g. "1.449 / 1.461 / 1.317".
std::string per_pass_cell(const std::vector<double> &ratios) {
  std::string out;
  for (size_t p = 0; p < ratios.size(); ++p)
    out += (p ? " / " : "") + (ratios[p] > 0 ? format("%.3f", ratios[p]) : std::string("-"));
  return out;
}

/// The config's claims, each against the ratio of two methods' geometric means.
void claims_table(const ExperimentConfig &c, const std::vector<WorkloadComparison> &compared,
                  std::ostream &md) {
  if (c.claims.empty()) return;
  const bool passes = c.compare_passes > 1;
  md << "\n## Against the claims\n\nEach figure is a ratio of geometric means over every workload "
        "and seed (the tables above): one method's bests after its checkpoint over another's. A "
        "claim is met when the figure reaches the target; otherwise it is short by the given share "
        "of the target.";
  if (passes)
    md << " With several comparison passes the figure is the median of the passes' ratios, each "
          "from one pass's figures alone (last column), so that both sides of a ratio were "
          "measured in the same pass.";
  md << "\n\n| claim | source | target | here | verdict |" << (passes ? " per pass |" : "")
     << "\n|---|---|---|---|---|" << (passes ? "---|" : "") << "\n";
  for (const ExperimentConfig::Claim &cl : c.claims) {
    double r = claim_figure(c, compared, cl);
    std::string what =
        format("%s@%lld / %s@%lld", cl.method.c_str(), static_cast<long long>(cl.checkpoint),
               cl.over.c_str(), static_cast<long long>(cl.over_checkpoint));
    md << "| " << table_cell(cl.claim) << " | " << table_cell(cl.source) << " | "
       << format("%.3f", cl.target) << " | ";
    if (!(r > 0)) {
      md << what << ": no figure (a run failed or is missing, or a pass) | not measured |"
         << (passes ? " " + per_pass_cell(pass_ratios(c, compared, cl)) + " |" : "") << "\n";
      continue;
    }
    md << format("%.3f (%s)", r, what.c_str()) << " | "
       << (r >= cl.target ? format("met (%+.1f%%)", 100 * (r / cl.target - 1))
                          : format("**short by %s%%**", shortfall(r / cl.target).c_str()))
       << " |" << (passes ? " " + per_pass_cell(pass_ratios(c, compared, cl)) + " |" : "") << "\n";
  }
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
  return geometric_mean(per_workload);
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
  int64_t trials = 0;               ///< the run's trials by its last summary (restored included)
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
      t.trials = std::max<int64_t>(t.trials, n);
    } else if (std::sscanf(line.c_str(),
                           "time search %lf%% (prediction %lf%%), build %lf%%, run %lf%%, "
                           "training %lf%%",
                           &a, &b, &c, &d, &e) == 5) {
      t.search += total * a / 100;
      t.predict += total * b / 100;
      t.build += total * c / 100;
      t.run += total * d / 100;
      t.train += total * e / 100;
    } else if (int end = 0;  // older tunes' lines ("features + prediction") counted warm-up
               std::sscanf(line.c_str(), "model %lld states scored, %lf states/s (inputs + model%n",
                           &n, &rate, &end) == 2 &&
               end > 0 && rate > 0) {
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
      trials += t.trials;
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

/// Where the comparisons were measured ("cpu, N cores"; several when they differ), else this
/// machine.
std::string machines_of(const std::vector<WorkloadComparison> &compared) {
  std::vector<std::string> seen;
  for (const WorkloadComparison &w : compared) {
    if (!w.machine.is_object()) continue;
    std::string m = w.machine.value("cpu", std::string("unknown CPU")) + ", " +
                    std::to_string(w.machine.value("cores", 0)) + " cores";
    if (std::find(seen.begin(), seen.end(), m) == seen.end()) seen.push_back(m);
  }
  if (seen.empty())
    return host_machine().cpu + ", " + std::to_string(host_machine().cores) + " cores";
  return join_mapped(seen, "; ", [](const std::string &s) { return s; });
}

/// The markdown of the report, its image at `image`; `regenerate` is the command that rewrites it.
std::string markdown_of(const ReportInputs &in, const std::string &image,
                        const std::string &regenerate) {
  const ExperimentConfig &c = in.config;
  std::ostringstream md;
  md << "# Experiment `" << c.path << "`\n\nMachine: " << machines_of(in.compared)
     << ". Figures: GFLOP/s of each run's best schedule among its first K trials, "
     << "re-measured side by side in one process per workload (median of " << c.compare_rounds
     << " interleaved rounds, every output checked"
     << (c.compare_passes > 1
             ? format("; then the median of %d such comparisons of every workload, one pass "
                      "after another",
                      c.compare_passes)
             : std::string())
     << "); a cell is the geometric mean over seeds "
     << "(";
  for (size_t i = 0; i < c.seeds.size(); ++i) md << (i ? ", " : "") << c.seeds[i];
  for (const MethodSpec &m : c.methods)
    if (!m.seeds.empty())
      md << "; " << m.name << ": "
         << join_mapped(m.seeds, ", ", [](uint64_t s) { return std::to_string(s); });
  md << "). Rows marked (in-run) were not re-measured: the tuner's own figures. Per-seed "
        "figures: results.csv. Rewritten from the experiment's folder (measuring nothing once "
        "every run is finished) by `"
     << regenerate << "`; measured anew (every run tuned, hours) by `worldtune experiment "
     << shell_quote(in.config.path) << " --out NEW_DIR`.\n\n![tuning curves](" << image
     << ")\n\nThe curves are each method's best so far as its tuner measured it (seeds: median "
        "line, min-max band); the horizontal lines are the peers as re-measured side by side. An "
        "in-run best is the highest of many noisy measurements, so it runs above its re-measured "
        "figure (results.csv holds both).\n";
  for (int64_t k : c.checkpoints) checkpoint_table(c, in.compared, k, md);
  claims_table(c, in.compared, md);
  if (!c.notes.empty())
    md << "\n## Notes\n\n"
       << join_mapped(c.notes, "\n\n", [](const std::string &n) { return n; }) << "\n";
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
  size_t longest = 0;
  for (const auto &seeds : curves)
    for (const auto &s : seeds) longest = std::max(longest, s.size());
  if (!(level > 0)) return 0;
  for (size_t t = 0; t < longest; ++t) {
    std::vector<double> per_workload;
    for (const auto &seeds : curves) {
      std::vector<double> at;  // a run that stopped early keeps its best
      for (const auto &s : seeds)
        if (!s.empty()) at.push_back(s[std::min(t, s.size() - 1)]);
      per_workload.push_back(median(at));
    }
    if (geometric_mean(per_workload) >= level) return static_cast<int64_t>(t + 1);
  }
  return 0;
}

void write_report(const ReportInputs &in, const std::string &out_dir, const std::string &markdown,
                  std::ostream &out) {
  // The tables first: a plot that cannot be drawn (no gnuplot) costs no table.
  write_csv(in.compared, (fs::path(out_dir) / "results.csv").string());
  std::string png = (fs::path(out_dir) / "curves.png").string();
  std::string md_path = (fs::path(out_dir) / "results.md").string();
  std::string regenerate = "worldtune experiment " + shell_quote(in.config.path) + " --out " +
                           shell_quote(out_dir) + " --no-compare" +
                           (markdown.empty() ? "" : " --markdown " + shell_quote(markdown));
  std::string md = markdown_of(in, "curves.png", regenerate);
  write_text(md_path, md);
  if (!markdown.empty()) {
    fs::path from = fs::absolute(markdown).parent_path();
    write_text(markdown,
               markdown_of(in, fs::relative(fs::absolute(png), from).string(), regenerate));
  }
  out << md << "wrote     " << md_path << ", results.csv"
      << (markdown.empty() ? "" : ", " + markdown) << "\n";
  write_plot(in.config, in.runs, in.runs_dir, in.compared, png);
  out << "wrote     " << png << "\n";
}

}  // namespace worldtune::experiment
