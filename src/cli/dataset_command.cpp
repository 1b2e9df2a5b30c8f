/// \file `worldtune dataset`: measures a corpus for pretraining cost models (src/dataset).
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cost_model/cost_model_registry.h"
#include "dataset/dataset.h"
#include "worldtune/error.h"

namespace worldtune::cli {

int run_dataset(const DatasetCommandOptions &o) {
  dataset::DatasetOptions d = o.dataset;
  d.workloads = dataset::read_workload_list(o.workload_list);
  // The guide is trusted from the first guided round: it has the workload's earlier rounds.
  cost_model::CostModelOptions mo;
  mo.seed = 43 + d.seed;
  mo.random_warmup = false;
  cost_model::set_model_options(o.guide, o.model_options, mo);
  d.guide = {{"model", o.guide},
             {"options",
              cost_model::with_defaults(mo, cost_model::find_cost_model(o.guide).options).values}};
  cost_model::make_cost_model(o.guide, mo);  // an unknown name fails before anything is measured
  auto guide = [&] { return cost_model::make_cost_model(o.guide, mo); };
  dataset::DatasetReport rep = dataset::make_dataset(d, guide, std::cout);
  std::printf(
      "\nsummary   %lld programs measured (%lld succeeded) in %.1f s; %lld records of "
      "these workloads in %s\n",
      static_cast<long long>(rep.measured), static_cast<long long>(rep.succeeded), rep.seconds,
      static_cast<long long>(rep.total), d.out_dir.c_str());
  return 0;
}

}  // namespace worldtune::cli
