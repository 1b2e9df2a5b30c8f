/// \file Baseline methods and their build inputs.
#include "deploy/baseline.h"

#include "deploy/onednn_source.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::deploy {

using measure::BuildMethod;

std::vector<BuildMethod> baseline_methods() {
  return {BuildMethod::Naive, BuildMethod::Adams2019, BuildMethod::Mullapudi2016,
          BuildMethod::OneDnn};
}

BuildMethod parse_baseline_method(const std::string &name) {
  for (BuildMethod m : baseline_methods())
    if (name == measure::build_method_name(m)) return m;
  WT_USER_CHECK(false, BadArgument,
                "unknown baseline method '"
                    << name << "' (methods: "
                    << join_mapped(baseline_methods(), ", ", measure::build_method_name) << ")");
  return BuildMethod::Naive;
}

measure::BuildInput baseline_input(const ir::Workload &workload, BuildMethod method) {
  WT_ASSERT(method != BuildMethod::Schedule, "a tuned schedule is no baseline");
  measure::BuildInput in{workload.dag, {}, method, ""};
  if (method == BuildMethod::OneDnn) in.source = onednn_kernel_source(workload);
  return in;
}

}  // namespace worldtune::deploy
