/// \file Subcommands on results: best, export, baseline.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "deploy/baseline.h"
#include "deploy/best_records.h"
#include "deploy/exporter.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "schedule/halide_program.h"
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

}  // namespace worldtune::cli
