/// \file Side-by-side re-measurement.
#include "deploy/side_by_side.h"

#include "measure/program_measurer.h"
#include "support/statistics.h"

namespace worldtune::deploy {

measure::MeasureOptions side_by_side_options() {
  measure::MeasureOptions o;
  o.repeat = 1;
  o.check = measure::CheckPolicy::All;
  o.keep_artifacts = true;   // each build runs once per round
  o.build_timeout_s = 1200;  // Adams2019 searches while building (minutes on a conv)
  o.build_parallel = 1;      // and may need most of the memory (11.4 GiB for a conv2d)
  return o;
}

std::vector<SideBySideResult> measure_side_by_side(const ir::Workload &workload,
                                                   const std::vector<SideBySideEntry> &entries,
                                                   int rounds,
                                                   const measure::MeasureOptions &options) {
  measure::ProgramMeasurer m(workload, options, search::host_hardware_params(), 0, nullptr);
  std::vector<measure::BuildInput> inputs;
  for (const SideBySideEntry &e : entries) inputs.push_back(e.input);
  std::vector<measure::BuildResult> built = m.build(inputs);
  std::vector<SideBySideResult> out(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) out[i].name = entries[i].name;
  for (int round = 0; round < rounds; ++round)
    for (size_t k = 0; k < entries.size(); ++k) {
      size_t i = (k + static_cast<size_t>(round)) % entries.size();
      if (!out[i].error.empty()) continue;
      MeasureResult r = m.run_built(built[i]);
      if (!r.ok())
        out[i].error = error_code_name(r.error);
      else if (!r.checked)
        out[i].error = "unchecked";
      else
        out[i].costs.push_back(median(r.costs));
    }
  for (SideBySideResult &r : out) r.cost = r.error.empty() ? median(r.costs) : 0;
  return out;
}

}  // namespace worldtune::deploy
