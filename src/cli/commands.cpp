/// \file Subcommands: workloads, show, measure.
#include "cli/commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "schedule/halide_program.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "support/rng.h"
#include "worldtune/record.h"

namespace worldtune::cli {

int run_workloads() {
  for (const ir::OpDefinition &def : ir::WorkloadRegistry::global().ops()) {
    ir::ParamMap defaults;
    for (const ir::ParamSpec &p : def.params) defaults[p.name] = p.default_value;
    std::printf("%s\n    %s\n    default: %s\n", def.name.c_str(), def.doc.c_str(),
                ir::WorkloadRegistry::canonical_key(def, defaults).c_str());
    for (const ir::ParamSpec &p : def.params)
      std::printf("      %-5s %s (default %lld, range %lld..%lld)\n", p.name.c_str(), p.doc.c_str(),
                  static_cast<long long>(p.default_value), static_cast<long long>(p.min_value),
                  static_cast<long long>(p.max_value));
  }
  return 0;
}

int run_show(const ShowOptions &o) {
  ir::Workload w = ir::parse_workload(o.workload);
  schedule::State init(w.dag);
  std::printf("Workload: %s\nFLOPs: %.0f\n\nComputeDAG:\n%s\n", w.key.c_str(), w.dag->flop_count(),
              w.dag->to_string().c_str());
  search::SketchParams sp;
  sp.hw = search::host_hardware_params();
  std::vector<schedule::State> sketches = search::generate_sketches(init, sp);
  std::printf("Sketches: %zu\n", sketches.size());
  for (size_t i = 0; i < sketches.size(); ++i)
    std::printf("\n--- sketch %zu ---\n%s", i, sketches[i].to_string().c_str());
  search::AnnotationParams ap;
  ap.hw = sp.hw;
  Rng rng(o.seed);
  std::vector<schedule::State> one = search::sample_states(sketches, 1, ap, rng);
  if (one.empty()) {
    std::printf("\nNo valid random schedule could be drawn.\n");
    return 1;
  }
  std::printf("\n--- random schedule (seed %llu) ---\n%s\nSteps: %s\n\nHalide C++:\n%s",
              static_cast<unsigned long long>(o.seed), one[0].to_string().c_str(),
              one[0].key().c_str(),
              schedule::print_halide_cpp(schedule::lower_to_halide(one[0]), "worldtune_schedule",
                                         "worldtune schedule for " + w.key)
                  .c_str());
  return 0;
}

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int run_measure(const MeasureCommandOptions &o) {
  ir::Workload w = ir::parse_workload(o.workload);
  search::HardwareParams hw = search::host_hardware_params();
  search::SketchParams sp;
  sp.hw = hw;
  search::AnnotationParams ap;
  ap.hw = hw;
  std::vector<schedule::State> sketches = search::generate_sketches(schedule::State(w.dag), sp);
  Rng rng(o.seed);
  std::vector<schedule::State> states = search::sample_states(sketches, o.random, ap, rng);
  std::unique_ptr<RecordWriter> writer;
  if (!o.records.empty()) writer = std::make_unique<RecordWriter>(o.records);
  measure::ProgramMeasurer measurer(w, o.measure, hw, o.seed, writer.get());
  std::printf("workload  %s\ntarget    %s\nsketches  %zu, random schedules %zu (seed %llu)\n",
              w.key.c_str(), measurer.target().c_str(), sketches.size(), states.size(),
              static_cast<unsigned long long>(o.seed));
  double flops = w.dag->flop_count();
  std::vector<double> gflops;
  std::map<std::string, int> errors;
  int checked = 0;
  auto t0 = std::chrono::steady_clock::now();
  size_t done = 0;
  for (size_t begin = 0; begin < states.size(); begin += static_cast<size_t>(o.batch)) {
    size_t end = std::min(states.size(), begin + static_cast<size_t>(o.batch));
    std::vector<schedule::State> batch(states.begin() + static_cast<long>(begin),
                                       states.begin() + static_cast<long>(end));
    measurer.measure(batch, [&](size_t, const MeasureResult &r) {
      ++done;
      if (r.ok()) {
        double g = flops / r.mean_cost() / 1e9;
        gflops.push_back(g);
        checked += r.checked;
        std::printf("[%3zu/%zu] %9.3f ms %8.2f GFLOP/s%s\n", done, states.size(),
                    r.mean_cost() * 1e3, g, r.checked ? "  (checked)" : "");
      } else {
        errors[error_code_name(r.error)]++;
        std::string msg = r.error_msg.substr(0, r.error_msg.find('\n'));
        std::printf("[%3zu/%zu] %s: %.160s\n", done, states.size(), error_code_name(r.error),
                    msg.c_str());
      }
      std::fflush(stdout);
    });
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t n = states.size();
  std::printf("\nsummary   %zu/%zu succeeded (%.1f%%), %d checked against the reference, %.1f s\n",
              gflops.size(), n, n ? 100.0 * gflops.size() / n : 0.0, checked, elapsed);
  for (const auto &[name, count] : errors) std::printf("          %s: %d\n", name.c_str(), count);
  if (!gflops.empty())
    std::printf("GFLOP/s   median %.2f, best %.2f\n", median(gflops),
                *std::max_element(gflops.begin(), gflops.end()));
  if (!measurer.reference_error().empty())
    std::printf("warning   outputs were not checked: %s\n", measurer.reference_error().c_str());
  if (!o.records.empty()) std::printf("records   appended to %s\n", o.records.c_str());
  return gflops.empty() && n > 0 ? 1 : 0;
}

}  // namespace worldtune::cli
