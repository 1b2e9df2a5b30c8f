/// \file Benchmark (not a test): per-candidate costs of the measurement pipeline on the core
/// workloads: state replay and lowering throughput (the search's hot path), build time per
/// candidate (one worker, and the parallel builder), and run time per candidate.
/// Usage: measure_bench [candidates per workload, default 16] [workload keys...]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "ir/workload.h"
#include "measure/builder.h"
#include "measure/program_measurer.h"
#include "schedule/halide_program.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"

using namespace worldtune;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::vector<std::string> default_workloads() {
  std::vector<std::string> keys;
  std::ifstream in(std::string(WORLDTUNE_SOURCE_DIR) + "/bench/core_workloads.txt");
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') keys.push_back(line);
  return keys;
}

}  // namespace

int main(int argc, char **argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 16;
  std::vector<std::string> keys;
  for (int i = 2; i < argc; ++i) keys.push_back(argv[i]);
  if (keys.empty()) keys = default_workloads();
  search::HardwareParams hw = search::host_hardware_params();
  std::printf("candidates per workload: %d, cores: %d\n\n", n, hw.num_cores);
  std::printf("%-52s %10s %10s %9s %9s %9s %9s\n", "workload", "replay/s", "lower/s", "build1 s",
              "buildP s", "run s", "ok");
  for (const std::string &key : keys) {
    ir::Workload w = ir::parse_workload(key);
    search::SketchParams sp;
    sp.hw = hw;
    search::AnnotationParams ap;
    ap.hw = hw;
    Rng rng(1);
    auto states =
        search::sample_states(search::generate_sketches(schedule::State(w.dag), sp), n, ap, rng);
    // Replay: steps -> State, as mutation-based search does for every child.
    int reps = 0;
    auto t0 = Clock::now();
    while (since(t0) < 1.0)
      for (const auto &s : states) {
        schedule::State r = schedule::State::replay(w.dag, s.steps());
        reps += r.num_stages() > 0;
      }
    double replay_rate = reps / since(t0);
    int lowers = 0;
    t0 = Clock::now();
    while (since(t0) < 1.0)
      for (const auto &s : states) lowers += !schedule::lower_to_halide(s).funcs.empty();
    double lower_rate = lowers / since(t0);
    measure::MeasureOptions o;
    o.check = measure::CheckPolicy::None;
    char tmpl[] = "/tmp/worldtune-bench-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    o.work_dir = dir;
    // Build time of one candidate with one worker (no contention).
    o.build_parallel = 1;
    measure::LocalBuilder one(o, dir);
    std::vector<double> single;
    for (int i = 0; i < std::min<int>(4, static_cast<int>(states.size())); ++i)
      single.push_back(
          one.build({{w.dag, states[i].steps(), measure::BuildMethod::Schedule, ""}})[0].seconds);
    // The parallel builder and the runner, through the measurer (build batch, then run).
    o.build_parallel = 0;
    measure::ProgramMeasurer m(w, o, hw, 1, nullptr);
    t0 = Clock::now();
    std::vector<double> run_s;
    int ok = 0;
    auto results = m.measure(states, [&](size_t, const MeasureResult &r) {
      run_s.push_back(r.run_s);
      ok += r.ok();
    });
    double total = since(t0);
    double run_total = 0;
    for (double r : run_s) run_total += r;
    double build_per = (total - run_total) / std::max<size_t>(1, states.size());
    std::printf("%-52s %10.0f %10.0f %9.3f %9.3f %9.3f %6d/%zu\n", w.key.substr(0, 52).c_str(),
                replay_rate, lower_rate, median(single), build_per, median(run_s), ok,
                states.size());
    std::fflush(stdout);
    std::string cmd = "rm -rf " + dir;
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", dir.c_str());
  }
  std::printf(
      "\nreplay/s: step lists replayed into States per second (one core)\n"
      "lower/s: States lowered to Halide directive programs per second\n"
      "build1 s: median build time of one candidate, one worker\n"
      "buildP s: wall time per candidate of the parallel builder (all cores)\n"
      "run s: median wall time of one isolated run (load, warm-up, timing)\n");
  return 0;
}
