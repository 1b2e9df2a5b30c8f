/// \file Subcommands on results: best, export, baseline, plot.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "deploy/baseline.h"
#include "deploy/best_records.h"
#include "deploy/exporter.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "report/gnuplot_plot.h"
#include "report/tuning_curves.h"
#include "schedule/halide_program.h"
#include "support/strings.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::cli {

namespace {

double gflops(const ir::Workload &w, double seconds) { return w.dag->flop_count() / seconds / 1e9; }

void print_best(const deploy::WorkloadRecords &r) {
  ir::Workload w = ir::parse_workload(r.workload);
  std::printf("workload  %s\n", r.workload.c_str());
  if (r.best) {
    const MeasureResult &b = r.best->result;
    std::printf("best      %.4f ms, %.2f GFLOP/s%s, found at trial %d of %d\ntarget    %s\n",
                b.mean_cost() * 1e3, gflops(w, b.mean_cost()), b.checked ? " (checked)" : "",
                r.best_trial, r.trials, r.best->target.c_str());
  } else {
    std::printf("best      none: no successful record among %d trials\n", r.trials);
  }
  for (const auto &[method, b] : r.baselines)
    std::printf("baseline  %-20s %10.4f ms %9.2f GFLOP/s%s\n", method.c_str(),
                b.result.mean_cost() * 1e3, gflops(w, b.result.mean_cost()),
                b.result.checked ? "  (checked)" : "");
  if (r.best)
    std::printf("schedule\n%s", schedule::print_halide_cpp(deploy::record_program(*r.best),
                                                           schedule::sanitize_identifier(w.op_name),
                                                           "worldtune schedule for " + r.workload)
                                    .c_str());
  std::printf("\n");
}

/// "1200x800" -> the options' width and height.
void parse_size(const std::string &size, report::PlotOptions &p) {
  if (size.empty()) return;
  char rest = 0;
  bool ok = std::sscanf(size.c_str(), "%dx%d%c", &p.width, &p.height, &rest) == 2 &&
            p.width >= 16 && p.height >= 16 && p.width <= 20000 && p.height <= 20000;
  WT_USER_CHECK(ok, BadArgument,
                "--size '" << quote_cut(size) << "': give WIDTHxHEIGHT in pixels, e.g. 1200x800");
}

}  // namespace

int run_best(const BestOptions &o) {
  std::vector<deploy::WorkloadRecords> all;
  if (o.workload.empty())
    all = deploy::summarize_records(read_records(o.records));
  else
    all.push_back(deploy::workload_records(o.records, o.workload));
  bool any = false;
  for (const deploy::WorkloadRecords &r : all) {
    print_best(r);
    any = any || r.best.has_value();
  }
  if (all.empty()) std::printf("'%s' has no records\n", o.records.c_str());
  return any ? 0 : 1;
}

int run_export(const ExportCommandOptions &o) {
  deploy::ExportResult r =
      deploy::export_best({o.records, o.workload, o.out_dir, o.target, o.name, o.force});
  const MeasureRecord &b = *r.records.best;
  std::printf("workload  %s\nexported  %s: %.4f ms (trial %d of %d), target %s\n",
              r.records.workload.c_str(), r.name.c_str(), b.result.mean_cost() * 1e3,
              r.records.best_trial, r.records.trials, b.target.c_str());
  for (const std::string &f : r.files) std::printf("  %s\n", f.c_str());
  std::printf("build and check it with: sh %s/build.sh && %s/%s_example\n", o.out_dir.c_str(),
              o.out_dir.c_str(), r.name.c_str());
  return 0;
}

int run_baseline(const BaselineCommandOptions &o) {
  ir::Workload w = ir::parse_workload(o.workload);
  measure::BuildMethod method = deploy::parse_baseline_method(o.method);
  // Generated first: an operator without a kernel is an error before anything is built.
  measure::BuildInput input = deploy::baseline_input(w, method);
  std::unique_ptr<RecordWriter> writer;
  if (!o.records.empty()) writer = std::make_unique<RecordWriter>(o.records);
  measure::ProgramMeasurer measurer(w, o.measure, search::host_hardware_params(), 0, writer.get());
  MeasureResult r = measurer.measure_baseline(input);
  std::printf("workload  %s\nmethod    %s\ntarget    %s\n", w.key.c_str(), o.method.c_str(),
              measurer.target().c_str());
  if (!r.ok()) {
    std::printf("failed    %s: %s\n", error_code_name(r.error), r.error_msg.c_str());
    return 1;
  }
  std::printf("latency   %.4f ms\nGFLOP/s   %.2f\nchecked   %s\n", r.mean_cost() * 1e3,
              gflops(w, r.mean_cost()),
              r.checked
                  ? "yes, equal to the naive reference"
                  : ("no: " + (measurer.reference_error().empty() ? std::string("--check none")
                                                                  : measurer.reference_error()))
                        .c_str());
  if (!o.records.empty()) std::printf("records   appended to %s\n", o.records.c_str());
  return 0;
}

int run_plot(const PlotCommandOptions &o) {
  report::PlotOptions p{o.out, 0, 0, o.title, o.data_dir};
  parse_size(o.size, p);
  std::vector<report::RunCurves> runs;
  for (const std::string &path : o.records) runs.push_back(report::read_run_curves(path));
  std::vector<report::Panel> panels = report::make_panels(runs, !o.per_file);
  report::render_plot(panels, p);
  auto [width, height] = report::plot_size(p, panels.size());
  std::printf("wrote     %s (%dx%d): %zu workload%s\n", o.out.c_str(), width, height, panels.size(),
              panels.size() == 1 ? "" : "s");
  for (const report::Panel &panel : panels)
    std::printf("  %-56s %zu curve%s, %zu peer%s\n", panel.workload.c_str(), panel.curves.size(),
                panel.curves.size() == 1 ? "" : "s", panel.peers.size(),
                panel.peers.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace worldtune::cli
