/// \file Benchmark helper (not a test): re-measures the best record of each workload in a records
/// file, side by side, with more repeats, so that a best-of-N figure (which favours lucky noise)
/// can be reported together with its re-measured median.
/// Usage: remeasure_best RECORDS [repeats, default 5]
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "deploy/best_records.h"
#include "ir/workload.h"
#include "measure/program_measurer.h"
#include "worldtune/record.h"

using namespace worldtune;

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: remeasure_best RECORDS [repeats]\n");
    return 2;
  }
  int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  std::printf("%-56s %12s %12s %12s\n", "workload", "recorded", "re-measured", "GFLOP/s");
  for (const deploy::WorkloadRecords &summary : deploy::summarize_records(read_records(argv[1]))) {
    if (!summary.best) continue;
    const MeasureRecord &r = *summary.best;
    ir::Workload w = ir::parse_workload(r.workload);
    measure::MeasureOptions o;
    o.repeat = repeats;
    o.check = measure::CheckPolicy::All;
    measure::ProgramMeasurer m(w, o, search::host_hardware_params(), r.seed, nullptr);
    schedule::State s = schedule::State::replay(w.dag, schedule::steps_from_json(r.steps));
    MeasureResult res = m.measure({s})[0];
    std::vector<double> c = res.costs;
    std::sort(c.begin(), c.end());
    double med = c[c.size() / 2];
    std::printf("%-56s %9.3f ms %9.3f ms %12.2f%s\n", r.workload.substr(0, 56).c_str(),
                r.result.mean_cost() * 1e3, med * 1e3, w.dag->flop_count() / med / 1e9,
                res.ok() ? "" : "  (failed)");
  }
  return 0;
}
