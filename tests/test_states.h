/// \file Random schedules of a workload (sketches + Ansor's random annotation), shared by the
/// search, feature and cost-model tests.
#pragma once

#include <string>
#include <vector>

#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "test_dags.h"

namespace worldtune::testing {

inline std::vector<schedule::State> random_states(const std::string &key, int n, uint64_t seed,
                                                  const search::AnnotationParams &ap = {}) {
  search::SketchParams sp;
  auto sketches = search::generate_sketches(schedule::State(dag_of(key)), sp);
  Rng rng(seed);
  return search::sample_states(sketches, n, ap, rng);
}

}  // namespace worldtune::testing
