/// \file The "slow state" study of issue 8: in issue 3 a kernel sometimes ran 2-3x slower from some
/// round on, to the end of a process that re-measured it many times. This benchmark re-creates
/// that setting and counts how often it happens: per workload, it builds the K fastest tuned
/// schedules of a records file plus two peers (Mullapudi2016, oneDNN) once, then runs them all in
/// R interleaved rounds (rotated order) through one ProgramMeasurer, as bench/compare_best does.
/// A run is "slow" when it is more than 1.5x the kernel's fastest round; a kernel is "in a slow
/// spell" when its last three rounds are all slow. Usage:
///   slow_state RECORDS [rounds=10] [kernels per workload=4]
/// It prints one line per kernel (ms per round, slow marks) and the totals.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "deploy/baseline.h"
#include "deploy/best_records.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

using namespace worldtune;

namespace {

struct Kernel {
  std::string name;
  measure::BuildInput input;
  std::vector<double> ms;
};

constexpr double kSlowFactor = 1.5;

/// The K fastest distinct successful tuned records of `key`.
std::vector<Kernel> tuned_kernels(const std::vector<MeasureRecord> &records, const ir::Workload &w,
                                  size_t k) {
  std::vector<const MeasureRecord *> ok;
  for (const MeasureRecord &r : records)
    if (r.workload == w.key && !r.is_baseline() && r.result.ok()) ok.push_back(&r);
  std::sort(ok.begin(), ok.end(), [](const MeasureRecord *a, const MeasureRecord *b) {
    return a->result.mean_cost() < b->result.mean_cost();
  });
  std::vector<Kernel> out;
  for (size_t i = 0; i < ok.size() && out.size() < k; ++i)
    out.push_back(
        {"tuned#" + std::to_string(i + 1),
         {w.dag, schedule::steps_from_json(ok[i]->steps), measure::BuildMethod::Schedule, ""},
         {}});
  return out;
}

struct Counts {
  int runs = 0, slow_runs = 0, kernels = 0, slow_spells = 0;
};

void report(const std::string &key, const Kernel &k, Counts &c) {
  if (k.ms.empty()) return;
  double best = *std::min_element(k.ms.begin(), k.ms.end());
  std::printf("%s %-14s", key.c_str(), k.name.c_str());
  int tail_slow = 0;
  for (double ms : k.ms) {
    bool slow = ms > kSlowFactor * best;
    std::printf(" %.4f%s", ms, slow ? "*" : "");
    c.runs++;
    c.slow_runs += slow;
    tail_slow = slow ? tail_slow + 1 : 0;
  }
  bool spell = tail_slow >= 3;
  std::printf("%s\n", spell ? "  <- slow spell" : "");
  c.kernels++;
  c.slow_spells += spell;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: slow_state RECORDS [rounds] [kernels per workload]\n");
    return 2;
  }
  std::vector<MeasureRecord> records = read_records(argv[1]);
  int rounds = argc > 2 ? std::atoi(argv[2]) : 10;
  size_t per_workload = argc > 3 ? static_cast<size_t>(std::atoi(argv[3])) : 4;
  std::vector<std::string> keys;
  for (const MeasureRecord &r : records)
    if (std::find(keys.begin(), keys.end(), r.workload) == keys.end()) keys.push_back(r.workload);
  Counts c;
  for (const std::string &key : keys) {
    ir::Workload w = ir::parse_workload(key);
    std::vector<Kernel> kernels = tuned_kernels(records, w, per_workload);
    for (const char *peer : {"halide-mullapudi2016", "onednn"}) {
      try {
        kernels.push_back(
            {peer, deploy::baseline_input(w, deploy::parse_baseline_method(peer)), {}});
      } catch (const UserError &) {
      }
    }
    measure::MeasureOptions o;
    o.repeat = 1;
    o.check = measure::CheckPolicy::None;
    o.keep_artifacts = true;  // each build runs once per round
    measure::ProgramMeasurer m(w, o, search::host_hardware_params(), 0, nullptr);
    std::vector<measure::BuildInput> inputs;
    for (const Kernel &k : kernels) inputs.push_back(k.input);
    std::vector<measure::BuildResult> built = m.build(inputs);
    for (int round = 0; round < rounds; ++round) {
      for (size_t j = 0; j < kernels.size(); ++j) {
        size_t i = (j + static_cast<size_t>(round)) % kernels.size();
        MeasureResult r = m.run_built(built[i]);
        if (r.ok()) kernels[i].ms.push_back(r.mean_cost() * 1e3);
      }
    }
    for (const Kernel &k : kernels) report(w.key, k, c);
    std::fflush(stdout);
  }
  std::printf(
      "slow runs (> %.1fx the kernel's fastest round): %d of %d; kernels in a slow spell "
      "(last 3 rounds slow): %d of %d\n",
      kSlowFactor, c.slow_runs, c.runs, c.slow_spells, c.kernels);
  return 0;
}
