/// \file The noise of `worldtune dataset`'s corpus measurement preset (min-repeat-ms 30 instead of
/// tune's 100): re-measures a sample of a corpus's successful records with the standard settings
/// and with the preset, interleaved, R rounds, in one process per workload, and prints the median
/// relative differences: recorded (preset, at corpus time) vs standard now, preset now vs standard
/// now, and the standard settings against themselves (round 1 vs round 2) for scale.
/// Usage: preset_noise CORPUS_PATH [samples, default 48] [rounds, default 3]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "dataset/corpus.h"
#include "dataset/dataset.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "support/rng.h"
#include "worldtune/record.h"

using namespace worldtune;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double rel(double a, double b) { return std::fabs(a - b) / b; }

/// Tune's settings, or with `corpus` the dataset preset.
measure::MeasureOptions options(bool corpus) {
  measure::MeasureOptions o;
  if (corpus) dataset::apply_corpus_preset(o);
  o.check = measure::CheckPolicy::None;
  o.keep_artifacts = true;  // each build runs once per round and setting
  return o;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: preset_noise CORPUS_PATH [samples] [rounds]\n");
    return 2;
  }
  size_t samples = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 48;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  std::vector<MeasureRecord> ok;
  for (const std::string &f : dataset::corpus_files({argv[1]}))
    for (MeasureRecord &r : read_records(f))
      if (r.result.ok() && !r.is_baseline()) ok.push_back(std::move(r));
  Rng rng(1);
  for (size_t i = ok.size(); i > 1; --i) std::swap(ok[i - 1], ok[rng.uniform(i)]);
  ok.resize(std::min(samples, ok.size()));
  std::map<std::string, std::vector<const MeasureRecord *>> by_workload;
  for (const MeasureRecord &r : ok) by_workload[r.workload].push_back(&r);

  std::vector<double> recorded_vs_std, preset_vs_std, std_vs_std;
  for (const auto &[key, recs] : by_workload) {
    ir::Workload w = ir::parse_workload(key);
    measure::ProgramMeasurer standard(w, options(false), search::host_hardware_params(), 0,
                                      nullptr);
    measure::ProgramMeasurer preset(w, options(true), search::host_hardware_params(), 0, nullptr);
    std::vector<measure::BuildInput> inputs;
    for (const MeasureRecord *r : recs)
      inputs.push_back(
          {w.dag, schedule::steps_from_json(r->steps), measure::BuildMethod::Schedule, ""});
    std::vector<measure::BuildResult> built = standard.build(inputs);
    for (size_t i = 0; i < recs.size(); ++i) {
      std::vector<double> s, p;
      for (int k = 0; k < rounds; ++k) {
        MeasureResult a = standard.run_built(built[i]), b = preset.run_built(built[i]);
        if (a.ok()) s.push_back(a.mean_cost());
        if (b.ok()) p.push_back(b.mean_cost());
      }
      if (s.size() < 2 || p.empty()) continue;
      double sm = median(s), pm = median(p), recorded = recs[i]->result.mean_cost();
      recorded_vs_std.push_back(rel(recorded, sm));
      preset_vs_std.push_back(rel(pm, sm));
      std_vs_std.push_back(rel(s[1], s[0]));
      std::fprintf(stderr, "%-56.56s recorded %.4f ms, standard %.4f ms, preset %.4f ms\n",
                   key.c_str(), recorded * 1e3, sm * 1e3, pm * 1e3);
    }
  }
  std::printf("%zu programs of %zu workloads, %d interleaved rounds each\n", recorded_vs_std.size(),
              by_workload.size(), rounds);
  std::printf("median |recorded - standard| / standard: %.2f%%\n", 100 * median(recorded_vs_std));
  std::printf("median |preset - standard| / standard (same moment): %.2f%%\n",
              100 * median(preset_vs_std));
  std::printf("median |standard round 2 - round 1| / round 1: %.2f%%\n", 100 * median(std_vs_std));
  return 0;
}
