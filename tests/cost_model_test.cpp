/// \file The cost models: selection by name, the xgb model learning a ranking from labelled
/// schedules, Ansor's random warm-up, and model files (round trip, refusals).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "cost_model/cost_model_registry.h"
#include "cost_model/xgb_model.h"
#include "labelled_states.h"
#include "measure_test_util.h"
#include "support/settings_file.h"
#include "world/sequence_model.h"
#include "worldtune/error.h"

namespace worldtune::cost_model {
namespace {

using testing::Data;
using testing::make_data;
using testing::measured;
using testing::pairwise_accuracy;

using schedule::State;

TEST(CostModel, PickedByNameUnknownRefused) {
  CostModelOptions o;
  EXPECT_EQ(make_cost_model("random", o)->name(), "random");
  EXPECT_EQ(make_cost_model("xgb", o)->name(), "xgb");
  try {
    make_cost_model("forest", o);
    FAIL();
  } catch (const UserError &e) {
    EXPECT_NE(
        std::string(e.what()).find("unknown cost model 'forest' (known: random, xgb, world, tlp)"),
        std::string::npos);
  }
}

TEST(XgbModel, LearnsARankingAfterTheWarmUp) {
  Data d = make_data(260, 11);
  ASSERT_EQ(d.states.size(), 260u);
  CostModelOptions o;
  XgbModel m(o);
  m.update(measured(d, 0, 60));
  std::vector<State> held(d.states.begin() + 200, d.states.end());
  std::vector<double> held_cost(d.costs.begin() + 200, d.costs.end());
  // 60 samples <= 100: Ansor's warm-up gives random scores in [0, 1).
  double warm = pairwise_accuracy(m.predict(*d.task, held), held_cost);
  m.update(measured(d, 60, 200));
  EXPECT_EQ(m.num_samples(), 200);
  EXPECT_GT(m.num_rounds(), 0);
  double trained = pairwise_accuracy(m.predict(*d.task, held), held_cost);
  EXPECT_GT(trained, 0.85);
  EXPECT_GT(trained, warm + 0.2);
}

TEST(XgbModel, WarmUpCanBeSwitchedOff) {
  Data d = make_data(80, 12);
  CostModelOptions o;
  o.random_warmup = false;
  XgbModel m(o);
  m.update(measured(d, 0, 60));
  std::vector<State> rest(d.states.begin() + 60, d.states.end());
  auto a = m.predict(*d.task, rest), b = m.predict(*d.task, rest);
  EXPECT_EQ(a, b);  // the trained booster, not random draws
}

TEST(XgbModel, SaveLoadGivesTheSamePredictionsAndRefusesBadFiles) {
  testing::ScratchDir dir;
  Data d = make_data(150, 13);
  CostModelOptions o;
  XgbModel m(o);
  m.update(measured(d, 0, 120));
  std::vector<State> rest(d.states.begin() + 120, d.states.end());
  auto before = m.predict(*d.task, rest);
  m.save(dir.file("m.json"));
  XgbModel loaded(o);  // trained elsewhere: used at once, no warm-up
  loaded.load(dir.file("m.json"));
  EXPECT_EQ(loaded.predict(*d.task, rest), before);

  auto expect_refused = [&](const std::string &content, const std::string &what) {
    { std::ofstream(dir.file("bad.json")) << content; }
    try {
      XgbModel x(o);
      x.load(dir.file("bad.json"));
      FAIL() << what;
    } catch (const UserError &e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadModel);
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_refused("{\"format\": \"worldtune-cost-model-1\", \"mo", "corrupt or not JSON");
  expect_refused("{\"format\": \"other-2\", \"model\": \"xgb\"}", "model file format \"other-2\"");
  expect_refused("{\"format\": \"worldtune-cost-model-1\", \"model\": \"random\"}",
                 "holds a \"random\" model");
  expect_refused(R"({"format": "worldtune-cost-model-1", "model": "xgb", "feature_version": 0,
                     "num_features": 164, "booster": {}})",
                 "feature version 0");
  expect_refused(R"({"format": 7, "model": "xgb"})", "model file format 7");
  expect_refused(R"({"format": "worldtune-cost-model-1", "model": "xgb", "feature_version": "1",
                     "num_features": 164})",
                 "feature version \"1\"");
  expect_refused(R"({"format": "worldtune-cost-model-1", "model": "xgb", "feature_version": 1,
                     "num_features": 164, "booster": {"learner": 3}})",
                 "XGBoost cannot read a booster");
  XgbModel untrained(o);
  EXPECT_THROW(untrained.save(dir.file("x.json")), UserError);
}

/// A model trained on the first 120 programs, saved to `path`.
void save_pretrained(const Data &d, const std::string &path) {
  XgbModel m(CostModelOptions{});
  m.update(measured(d, 0, 120));
  m.save(path);
}

TEST(XgbModel, LoadedModelPredictsAtOnceAndFineTunesOnTheResidual) {
  testing::ScratchDir dir;
  Data d = make_data(200, 14);
  save_pretrained(d, dir.file("m.json"));
  std::vector<State> rest(d.states.begin() + 160, d.states.end());
  XgbModel m(CostModelOptions{});  // default warm-up: a loaded model skips it
  m.load(dir.file("m.json"));
  EXPECT_EQ(m.num_frozen(), 1);
  auto at_once = m.predict(*d.task, rest);
  EXPECT_EQ(m.predict(*d.task, rest), at_once);  // the loaded booster, not random draws
  m.update(measured(d, 120, 150));               // 30 local samples: far below the warm-up of 100
  EXPECT_EQ(m.num_samples(), 30);
  EXPECT_GT(m.num_rounds(), 0);
  auto tuned = m.predict(*d.task, rest);
  EXPECT_NE(tuned, at_once);
  // Saved with both boosters, it loads as a chain that predicts the same.
  m.save(dir.file("tuned.json"));
  XgbModel again(CostModelOptions{});
  again.load(dir.file("tuned.json"));
  EXPECT_EQ(again.num_frozen(), 2);
  auto reloaded = again.predict(*d.task, rest);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_NEAR(reloaded[i], tuned[i], 1e-5);
}

TEST(XgbModel, FineTuningLearnsOnlyTheResidual) {
  // Fine-tuned on the very programs it was trained on, the loaded model has little left to
  // correct: predictions barely move. A local booster that ignored the loaded margins would learn
  // the labels again and add them on top.
  testing::ScratchDir dir;
  Data d = make_data(200, 16);
  save_pretrained(d, dir.file("m.json"));
  std::vector<State> seen(d.states.begin(), d.states.begin() + 120);
  XgbModel m(CostModelOptions{});
  m.load(dir.file("m.json"));
  auto before = m.predict(*d.task, seen);
  m.update(measured(d, 0, 120));
  auto after = m.predict(*d.task, seen);
  double moved = 0, scale = 0;
  for (size_t i = 0; i < seen.size(); ++i) {
    moved = std::max(moved, double(std::fabs(after[i] - before[i])));
    scale = std::max(scale, double(std::fabs(before[i])));
  }
  EXPECT_LT(moved, 0.1 * scale) << "moved " << moved << ", scale " << scale;
}

TEST(XgbModel, FrozenModelIgnoresMeasurements) {
  testing::ScratchDir dir;
  Data d = make_data(200, 15);
  save_pretrained(d, dir.file("m.json"));
  std::vector<State> rest(d.states.begin() + 160, d.states.end());
  auto frozen = make_cost_model("xgb", [] {
    CostModelOptions o;
    set_model_options("xgb", {"frozen=true"}, o);
    return o;
  }());
  frozen->load(dir.file("m.json"));
  auto before = frozen->predict(*d.task, rest);
  frozen->update(measured(d, 120, 160));
  EXPECT_EQ(frozen->predict(*d.task, rest), before);
}

TEST(CostModelTable, OptionsAreTypedAndChecked) {
  CostModelOptions o;
  set_model_options("xgb", {"warmup=5", "frozen=0", "threads=1"}, o);
  EXPECT_EQ(o.get_int("warmup"), 5);
  EXPECT_FALSE(o.get_bool("frozen"));
  for (const char *bad : {"warmup=1.5", "frozen=maybe", "nosuch=1", "warmup"})
    EXPECT_THROW(set_model_options("xgb", {bad}, o), UserError) << bad;
  EXPECT_EQ(cost_model_names(), (std::vector<std::string>{"random", "xgb", "world", "tlp"}));
  EXPECT_FALSE(make_cost_model("random", {})->guides_search());
  EXPECT_TRUE(make_cost_model("xgb", {})->guides_search());
}

TEST(CostModelTable, RunsKnowTheDigestOfTheWeightsTheyStartFrom) {
  testing::ScratchDir dir;
  std::ofstream(dir.file("a")) << "a";
  std::ofstream(dir.file("empty")).flush();
  EXPECT_EQ(file_digest(dir.file("a")), "fnv1a64:af63dc4c8601ec8c");  // FNV-1a's known answers
  EXPECT_EQ(file_digest(dir.file("empty")), "fnv1a64:cbf29ce484222325");
  try {
    file_digest(dir.file("nope.json"));
    ADD_FAILURE() << "a missing file has no digest";
  } catch (const UserError &e) {
    EXPECT_NE(std::string(e.what()).find("nope.json"), std::string::npos) << e.what();
  }
  EXPECT_EQ(starting_weights_digest("xgb", "", {}), "");  // from scratch
  EXPECT_EQ(starting_weights_digest("xgb", dir.file("a"), {}), file_digest(dir.file("a")));
  // world and tlp start from their shipped weights unless told not to.
  EXPECT_EQ(starting_weights_digest("world", "", {}), file_digest(world::default_weights("world")));
  EXPECT_NE(starting_weights_digest("tlp", "", {}), starting_weights_digest("world", "", {}));
  CostModelOptions fresh;
  set_model_options("world", {"pretrained=false"}, fresh);
  EXPECT_EQ(starting_weights_digest("world", "", fresh), "");
  EXPECT_EQ(starting_weights_digest("world", dir.file("a"), fresh), file_digest(dir.file("a")));
}

}  // namespace
}  // namespace worldtune::cost_model
