/// \file Invalid step lists yield errors, never crashes: real step lists of every operator,
/// perturbed at random (numbers, lengths, tags), replayed and lowered. Any abort or signal fails.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ir/workload.h"
#include "schedule/halide_program.h"
#include "search/annotation_rules.h"
#include "search/sketch_rules.h"
#include "support/rng.h"
#include "worldtune/error.h"

namespace worldtune {
namespace {

using nlohmann::json;

/// Changes one random scalar somewhere in the step list.
void perturb(json &steps, Rng &rng) {
  json &step = steps[rng.uniform(steps.size())];
  size_t field = 1 + rng.uniform(step.size() - 1);
  json *target = &step[field];
  if (target->is_array() && !target->empty()) target = &(*target)[rng.uniform(target->size())];
  static const int64_t kValues[] = {-1, 0, 1, 2, 3, 7, 64, 1000, int64_t{1} << 40};
  switch (rng.uniform(4)) {
    case 0:
      *target = kValues[rng.uniform(9)];
      break;
    case 1:
      *target = target->is_number_integer() ? json(target->get<int64_t>() + 1) : json(5);
      break;
    case 2:
      *target = nullptr;
      break;
    default:
      steps.erase(steps.begin() + static_cast<long>(rng.uniform(steps.size())));
      break;
  }
}

TEST(StepFuzz, PerturbedStepListsNeverCrash) {
  Rng rng(2024);
  int replayed = 0, refused = 0;
  for (const ir::OpDefinition &def : ir::WorkloadRegistry::global().ops()) {
    ir::Workload w = ir::parse_workload(def.name);
    search::SketchParams sp;
    search::AnnotationParams ap;
    auto states =
        search::sample_states(search::generate_sketches(schedule::State(w.dag), sp), 4, ap, rng);
    ASSERT_FALSE(states.empty()) << def.name;
    for (const schedule::State &s : states) {
      // Every sampled schedule of every operator lowers to Halide directives.
      EXPECT_NO_THROW(schedule::lower_to_halide(s)) << def.name << " " << s.key();
      for (int trial = 0; trial < 250; ++trial) {
        json steps = schedule::steps_to_json(s.steps());
        for (int k = 0; k < 1 + static_cast<int>(rng.uniform(3)) && !steps.empty(); ++k)
          perturb(steps, rng);
        try {
          schedule::State r = schedule::State::replay(w.dag, schedule::steps_from_json(steps));
          schedule::lower_to_halide(r);
          ++replayed;
        } catch (const UserError &) {
          ++refused;
        }
      }
    }
  }
  // Both outcomes happen: the perturbations are neither all harmless nor all caught early.
  EXPECT_GT(replayed, 100);
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace worldtune
