/// \file The world cost model: its ranking loss on hand-made cases, the score calibration,
/// learning a ranking from measurements, scores that do not depend on the batch, weight files
/// (round trip, refusals), online fine-tuning and the run's local residual.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <numeric>

#include "labelled_states.h"
#include "measure_test_util.h"
#include "world/local_residual.h"
#include "world/nets.h"
#include "world/score_calibration.h"
#include "world/sequence_model.h"
#include "worldtune/error.h"

namespace worldtune::world {
namespace {

using testing::Data;
using testing::make_data;
using testing::measured;
using testing::pairwise_accuracy;

float loss_of(std::vector<float> scores, std::vector<float> labels, std::vector<int64_t> offsets,
              double gain_exponent = 0) {
  return lambdarank_loss(torch::tensor(scores), torch::tensor(labels), offsets, gain_exponent)
      .item<float>();
}

TEST(LambdaRank, KnownAnswers) {
  // One pair: the weights normalize away, leaving the logistic loss of the score difference.
  EXPECT_NEAR(loss_of({0, 0}, {1, 0.5}, {0, 2}), std::log(2.0), 1e-6);
  EXPECT_NEAR(loss_of({2, 0}, {1, 0.5}, {0, 2}), std::log1p(std::exp(-2.0)), 1e-6);
  EXPECT_NEAR(loss_of({0, 2}, {1, 0.5}, {0, 2}), std::log1p(std::exp(2.0)), 1e-6);
  // Chunks are averaged; programs of different chunks are never compared.
  EXPECT_NEAR(loss_of({2, 0, 0, 2}, {1, 0.5, 1, 0.5}, {0, 2, 4}),
              (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(2.0))) / 2, 1e-6);
  // Equal labels make no pair; a right ranking costs less than a wrong one.
  EXPECT_EQ(loss_of({0, 5}, {1, 1}, {0, 2}), 0.0f);
  EXPECT_LT(loss_of({3, 2, 1}, {1, 0.6, 0.2}, {0, 3}), loss_of({1, 2, 3}, {1, 0.6, 0.2}, {0, 3}));
  // Exponential gains: one pair still normalizes to the logistic loss, but among three programs
  // swapping the two fastest (1 and 0.9) now costs more than swapping the slower two (0.9 and
  // 0.1); with linear gains it is the other way round.
  EXPECT_NEAR(loss_of({0, 0}, {1, 0.5}, {0, 2}, 10), std::log(2.0), 1e-6);
  const std::vector<float> labels = {1, 0.9f, 0.1f};
  EXPECT_LT(loss_of({2, 3, 0}, labels, {0, 3}), loss_of({3, 0, 2}, labels, {0, 3}));
  EXPECT_GT(loss_of({2, 3, 0}, labels, {0, 3}, 10), loss_of({3, 0, 2}, labels, {0, 3}, 10));
}

TEST(ScoreCalibration, FitsTheLogThroughputSlopeWithinGroups) {
  // log label = 0.5 * score + a per-group offset; a failed program (label 0) does not count.
  std::vector<std::vector<float>> scores = {{0, 1, 2, 3}, {10, 12, 14, 100}};
  std::vector<std::vector<float>> labels;
  labels.push_back({});
  for (float s : scores[0]) labels[0].push_back(static_cast<float>(std::exp(0.5 * (s - 3))));
  labels.push_back({});
  for (float s : {10.0f, 12.0f, 14.0f}) labels[1].push_back(std::exp(0.5f * (s - 14)));
  labels[1].push_back(0);
  ScoreCalibration c = fit_calibration(scores, labels);
  EXPECT_TRUE(c.fitted);
  EXPECT_NEAR(c.slope, 0.5, 1e-5);
  // Scores that fall as throughput rises steer nothing.
  EXPECT_EQ(fit_calibration({{0, 1, 2}}, {{1, 0.5, 0.25}}).slope, 1e-3);
  EXPECT_FALSE(fit_calibration({{1}}, {{1}}).fitted);
  // Calibrated scores are ratios of predicted throughput, whatever the task's offset.
  EXPECT_NEAR(c.apply(3, 1), std::exp(1.0), 1e-5);
  EXPECT_NEAR(c.apply(103, 101) / c.apply(101, 101), std::exp(1.0), 1e-5);
  EXPECT_TRUE(std::isinf(c.apply(-INFINITY, 0)));
  EXPECT_EQ(median_score({-INFINITY, 3, 1, 2}), 2);
  std::vector<float> mean = combine_members({{4, -INFINITY, 9}, {1, 2, 1}});
  EXPECT_FLOAT_EQ(mean[0], 2);
  EXPECT_TRUE(std::isinf(mean[1]) && mean[1] < 0);
  EXPECT_FLOAT_EQ(mean[2], 3);
  // Pessimism 1 with two networks: the lower prediction; a state they agree on keeps its score.
  std::vector<float> low = combine_members({{4, 2, 9}, {1, 2, 1}}, 1);
  EXPECT_FLOAT_EQ(low[0], 1);
  EXPECT_FLOAT_EQ(low[1], 2);
  EXPECT_FLOAT_EQ(low[2], 1);
  // With three: mean - sd of the logs (log 1, log e, log e^2: mean 1, sd sqrt(2/3)).
  float e = std::exp(1.0f);
  EXPECT_NEAR(combine_members({{1}, {e}, {e * e}}, 0.5)[0], std::exp(1 - 0.5 * std::sqrt(2.0 / 3)),
              1e-4);
}

cost_model::CostModelOptions untrained_options() {
  cost_model::CostModelOptions o;
  // One thread: ctest runs two tests at once on two cores, and torch's pool must not spin on both.
  o.values = {{"pretrained", false}, {"epochs", 12}, {"aux", 0.1}, {"threads", 1}};
  return o;
}

cost_model::CostModelOptions untrained_options(const std::string &kind) {
  cost_model::CostModelOptions o = untrained_options();
  if (kind == "tlp") o.values.erase("aux");
  return o;
}

std::vector<cost_model::ModelOptionSpec> specs_of(const std::string &kind) {
  return kind == "tlp" ? tlp_option_specs() : world_option_specs();
}

// Both sequence models (world and the tlp baseline) learn from measured programs.
TEST(SequenceModels, LearnARankingFromMeasurements) {
  Data d = make_data(260, 21);
  std::vector<schedule::State> rest(d.states.begin() + 200, d.states.end());
  std::vector<double> rest_costs(d.costs.begin() + 200, d.costs.end());
  for (const std::string kind : {"world", "tlp"}) {
    SequenceModel m(kind, specs_of(kind), untrained_options(kind));
    EXPECT_EQ(m.name(), kind);
    double before = pairwise_accuracy(m.predict(*d.task, rest), rest_costs);
    m.pretrain(measured(d, 0, 200), {});
    std::vector<float> scores = m.predict(*d.task, rest);
    double after = pairwise_accuracy(scores, rest_costs);
    EXPECT_GT(after, 0.85) << kind << ", untrained " << before;
    EXPECT_GT(after, before + 0.1) << kind;
    // Calibrated, the scores weigh programs like their throughput (what the search's roulette
    // wheel expects of a cost model): positive, and the fastest tenth's mean log score is above
    // the slowest tenth's by about the log throughput between them.
    std::vector<size_t> order(rest.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return rest_costs[a] < rest_costs[b]; });
    const size_t tenth = rest.size() / 10;
    double gap = 0, truth = 0;
    for (size_t k = 0; k < tenth; ++k) {
      size_t fast = order[k], slow = order[order.size() - 1 - k];
      ASSERT_GT(scores[fast], 0) << kind;
      ASSERT_GT(scores[slow], 0) << kind;
      gap += std::log(scores[fast] / scores[slow]);
      truth += std::log(rest_costs[slow] / rest_costs[fast]);
    }
    EXPECT_GT(gap, truth / 4) << kind;
    EXPECT_LT(gap, truth * 4) << kind;
  }
}

TEST(SequenceModels, AStateScoresTheSameAloneAndInABatch) {
  Data d = make_data(40, 22);
  for (const std::string kind : {"world", "tlp"}) {
    SequenceModel m(kind, specs_of(kind), untrained_options(kind));
    // A schedule of another workload does not replay on this task: it gets -infinity.
    std::vector<schedule::State> states = d.states;
    states.insert(states.begin() + 3,
                  testing::random_states(
                      "conv2d_bias_relu_nhwc:N=1,H=14,W=14,CI=32,CO=32,K=3,S=1,P=1", 1, 5)[0]);
    std::vector<float> batch = m.predict(*d.task, states);
    ASSERT_EQ(batch.size(), states.size());
    EXPECT_TRUE(std::isinf(batch[3]) && batch[3] < 0) << kind;
    for (size_t i = 0; i < states.size(); ++i) {
      if (i == 3) continue;
      float alone = m.predict(*d.task, {states[i]})[0];
      EXPECT_NEAR(alone, batch[i], 1e-4 * (1 + std::fabs(alone))) << kind << " " << i;
    }
  }
}

// Training batches mix the programs of several tasks (stage rows of each task stacked): a
// program's score must not depend on the other task's programs beside it.
TEST(SequenceModels, TwoTasksInOneBatchScoreAsAlone) {
  Data a = make_data(6, 24);
  search::SearchTask conv;
  conv.workload_key = "conv2d_bias_relu_nhwc:N=1,H=14,W=14,CI=32,CO=32,K=3,S=1,P=1";
  conv.dag = testing::dag_of(conv.workload_key);
  std::vector<schedule::State> conv_states = testing::random_states(conv.workload_key, 6, 25);
  ExampleMaker maker(64);
  std::vector<Example> examples;
  for (size_t i = 0; i < 6; ++i) {
    examples.push_back(maker.make(*a.task, a.states[i]));
    examples.push_back(maker.make(conv, conv_states[i]));
  }
  std::vector<const Example *> all;
  for (const Example &e : examples) all.push_back(&e);
  torch::manual_seed(3);
  for (const std::string kind : {"world", "world+readout", "tlp"}) {
    NetConfig config;
    config.kind = kind == "tlp" ? "tlp" : "world";
    config.readout = kind == "world+readout";
    std::shared_ptr<ScoringNet> net = make_net(config);
    torch::NoGradGuard no_grad;
    torch::Tensor mixed = net->forward(make_batch(all, false)).scores;
    for (size_t i = 0; i < all.size(); ++i) {
      float alone = net->forward(make_batch({all[i]}, false)).scores.item<float>();
      EXPECT_NEAR(alone, mixed[static_cast<int64_t>(i)].item<float>(),
                  1e-4 * (1 + std::fabs(alone)))
          << kind << " " << i;
    }
  }
}

TEST(WorldModel, SaveLoadGivesTheSameScoresAndRefusesBadFiles) {
  testing::ScratchDir dir;
  Data d = make_data(120, 23);
  SequenceModel m("world", world_option_specs(), untrained_options());
  m.pretrain(measured(d, 0, 100), {});
  std::vector<schedule::State> rest(d.states.begin() + 100, d.states.end());
  std::vector<float> before = m.predict(*d.task, rest);
  m.save(dir.file("w.json"));
  SequenceModel loaded("world", world_option_specs(), {});
  loaded.load(dir.file("w.json"));
  std::vector<float> after = loaded.predict(*d.task, rest);
  for (size_t i = 0; i < rest.size(); ++i)
    EXPECT_NEAR(after[i], before[i], 1e-3 * (1 + std::fabs(before[i])));

  nlohmann::json good;
  std::ifstream(dir.file("w.json")) >> good;
  // Files written before the readout option lack its field: they load as without it.
  ASSERT_EQ(good["config"]["readout"], false);
  nlohmann::json older = good;
  older["config"].erase("readout");
  { std::ofstream(dir.file("older.json")) << older.dump(); }
  SequenceModel from_older("world", world_option_specs(), {});
  from_older.load(dir.file("older.json"));
  EXPECT_EQ(from_older.predict(*d.task, rest), after);
  auto expect_refused = [&](const nlohmann::json &j, const std::string &what) {
    { std::ofstream(dir.file("bad.json")) << j.dump(); }
    try {
      SequenceModel x("world", world_option_specs(), {});
      x.load(dir.file("bad.json"));
      FAIL() << what;
    } catch (const UserError &e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadModel);
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  nlohmann::json j = good;
  j["schema"]["token_width"] = 3;
  expect_refused(j, "weights of schema token_width=3");
  j = good;
  j["model"] = "xgb";
  expect_refused(j, "holds a \"xgb\" model");
  j = good;
  ASSERT_EQ(j["params"].erase("encoder.head.0.weight"), 1u);
  expect_refused(j, "weights lack parameter 'encoder.head.0.weight'");
  j = good;
  j["params"]["step.2.bias"]["data"] = {1.0, 2.0};
  expect_refused(j, "parameter 'step.2.bias' has the wrong shape");
  j = good;
  j["config"]["kind"] = "tlp";
  expect_refused(j, "holds a 'tlp' network, not 'world'");
  j = good;
  j["config"]["d"] = "wide";
  expect_refused(j, "network config 'd' has the wrong type");
  j = good;
  j["config"]["readout"] = 1;
  expect_refused(j, "network config 'readout' has the wrong type");
  j = good;
  j.erase("schema");
  expect_refused(j, "world weights without a schema");
}

// `members=2` trains two networks (seeds 43 and 44) and scores the geometric mean of their
// calibrated scores; the first is the network `members=1` trains, so one member changes nothing.
TEST(WorldModel, AnEnsembleScoresTheGeometricMeanOfItsMembers) {
  testing::ScratchDir dir;
  Data d = make_data(80, 26);
  std::vector<schedule::State> rest(d.states.begin() + 60, d.states.end());
  auto trained = [&](int members, const std::string &file) {
    cost_model::CostModelOptions o = untrained_options();
    o.values["epochs"] = 3, o.values["members"] = members;
    SequenceModel m("world", world_option_specs(), o);
    m.pretrain(measured(d, 0, 60), {});
    m.save(dir.file(file));
    nlohmann::json j;
    std::ifstream(dir.file(file)) >> j;
    return std::make_pair(m.predict(*d.task, rest), j);
  };
  auto [one_scores, one] = trained(1, "one.json");
  auto [two_scores, two] = trained(2, "two.json");
  ASSERT_EQ(two["members"].size(), 2u);
  EXPECT_FALSE(two.contains("params"));
  EXPECT_FALSE(one.contains("members"));  // one network: the file as before members existed
  EXPECT_EQ(two["members"][0]["trained"]["seed"], 43);
  EXPECT_EQ(two["members"][1]["trained"]["seed"], 44);
  EXPECT_EQ(two["members"][0]["params"], one["params"]);
  EXPECT_NE(two["members"][1]["params"], one["params"]);
  std::vector<std::vector<float>> alone;
  for (int i = 0; i < 2; ++i) {  // each member as a file of its own
    nlohmann::json j = two["members"][i];
    for (const char *key : {"format", "model", "schema"}) j[key] = two[key];
    { std::ofstream(dir.file("member.json")) << j.dump(); }
    SequenceModel m("world", world_option_specs(), {});
    m.load(dir.file("member.json"));
    alone.push_back(m.predict(*d.task, rest));
  }
  SequenceModel loaded("world", world_option_specs(), {});
  loaded.load(dir.file("two.json"));
  std::vector<float> ensemble = loaded.predict(*d.task, rest);
  int differs = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_NEAR(alone[0][i], one_scores[i], 1e-4 * one_scores[i]);
    float mean = std::sqrt(alone[0][i] * alone[1][i]);
    EXPECT_NEAR(ensemble[i], mean, 1e-3 * mean) << i;
    EXPECT_NEAR(two_scores[i], mean, 1e-3 * mean) << i;
    differs += std::fabs(ensemble[i] - alone[0][i]) > 1e-2 * alone[0][i];
  }
  EXPECT_GT(differs, 0);

  // A file's own pessimism scores it unless the user sets the option; a file without one
  // scores with the model's pessimism as made; a model made with pessimism > 0 writes it.
  EXPECT_FALSE(two.contains("scoring_defaults"));
  nlohmann::json pessimistic = two;
  pessimistic["scoring_defaults"] = {{"pessimism", 1.0}};
  { std::ofstream(dir.file("pess.json")) << pessimistic.dump(); }
  auto scores_of = [&](const std::string &file, nlohmann::json options) {
    cost_model::CostModelOptions o;
    o.values = std::move(options);
    SequenceModel m("world", world_option_specs(), o);
    m.load(dir.file(file));
    return m.predict(*d.task, rest);
  };
  std::vector<float> by_file = scores_of("pess.json", nlohmann::json::object());
  std::vector<float> told = scores_of("pess.json", {{"pessimism", 0.0}});
  for (size_t i = 0; i < rest.size(); ++i) {
    float lower = std::min(alone[0][i], alone[1][i]);
    EXPECT_NEAR(by_file[i], lower, 1e-3 * lower) << i;
    EXPECT_NEAR(told[i], ensemble[i], 1e-3 * ensemble[i]) << i;
  }
  SequenceModel reloaded("world", world_option_specs(), {});
  reloaded.load(dir.file("pess.json"));
  reloaded.load(dir.file("two.json"));
  EXPECT_EQ(reloaded.predict(*d.task, rest), ensemble);
  {
    cost_model::CostModelOptions o;
    o.values["pessimism"] = 0.5;
    SequenceModel m("world", world_option_specs(), o);
    m.load(dir.file("pess.json"));
    m.save(dir.file("half.json"));
    nlohmann::json half;
    std::ifstream(dir.file("half.json")) >> half;
    EXPECT_EQ(half["scoring_defaults"], nlohmann::json({{"pessimism", 0.5}}));
  }

  auto refused = [&](const nlohmann::json &j) {
    { std::ofstream(dir.file("bad.json")) << j.dump(); }
    try {
      SequenceModel("world", world_option_specs(), {}).load(dir.file("bad.json"));
    } catch (const UserError &e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  nlohmann::json j = two;
  j["members"] = nlohmann::json::array();
  EXPECT_NE(refused(j).find("'members' must be a list of 1 to 16 networks"), std::string::npos);
  j = two;
  j["members"][1] = 3;
  EXPECT_NE(refused(j).find("(member 2): a network must be a JSON object"), std::string::npos)
      << refused(j);
  j = two;
  j["members"][1]["params"].erase("encoder.head.0.weight");
  EXPECT_NE(refused(j).find("(member 2): weights lack parameter 'encoder.head.0.weight'"),
            std::string::npos)
      << refused(j);
  for (const nlohmann::json &bad :
       {nlohmann::json({{"pessimism", -1}}), nlohmann::json({{"local", 1}}), nlohmann::json(1)}) {
    j = two;
    j["scoring_defaults"] = bad;
    EXPECT_NE(refused(j).find("'scoring_defaults' must be {\"pessimism\": a number of at least 0}"),
              std::string::npos)
        << refused(j);
  }
}

TEST(SequenceModels, BadOptionsAndNothingToLearnAreClearErrors) {
  auto message = [](const std::function<void()> &f) {
    try {
      f();
    } catch (const UserError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  cost_model::CostModelOptions o = untrained_options();
  o.values["d"] = 30;
  EXPECT_NE(message([&] {
              SequenceModel("tlp", tlp_option_specs(), o).predict({}, {});
            }).find("d=30 must be a multiple of its 4 attention heads"),
            std::string::npos);
  // Options the world model refuses when it is made, each named with its range.
  auto refused = [&](const char *option, nlohmann::json value) {
    cost_model::CostModelOptions bad = untrained_options();
    bad.values[option] = value;
    return message([&] { SequenceModel("world", world_option_specs(), bad); });
  };
  EXPECT_NE(refused("d", 0).find("option d of cost model 'world' must be in 1..1024, got 0"),
            std::string::npos);
  EXPECT_NE(
      refused("members", 0).find("option members of cost model 'world' must be in 1..16, got 0"),
      std::string::npos);
  EXPECT_NE(refused("gain_exponent", -1.0)
                .find("option gain_exponent of cost model 'world' must be at least 0"),
            std::string::npos);
  Data d = make_data(1, 25);  // one program: no pair to rank
  SequenceModel m("world", world_option_specs(), untrained_options());
  EXPECT_NE(message([&] { m.pretrain(measured(d, 0, 1), {}); }).find("nothing to learn from"),
            std::string::npos);
}

TEST(WorldModel, FineTunesOnTheRunsMeasurementsOnlyWhenOnline) {
  Data d = make_data(100, 24);
  for (bool online : {true, false}) {
    cost_model::CostModelOptions o = untrained_options();
    o.values["online"] = online;
    SequenceModel m("world", world_option_specs(), o);
    std::vector<float> before = m.predict(*d.task, d.states);
    m.update(measured(d, 0, 64));
    std::vector<float> after = m.predict(*d.task, d.states);
    EXPECT_EQ(before != after, online);
  }
  // Off unless asked: a default world search keeps its model fixed (deterministic per seed).
  SequenceModel by_default("world", world_option_specs(), untrained_options());
  std::vector<float> before = by_default.predict(*d.task, d.states);
  by_default.update(measured(d, 0, 64));
  EXPECT_EQ(by_default.predict(*d.task, d.states), before);
}

// A model of several networks fine-tunes each of them on the run's measurements.
TEST(WorldModel, OnlineFineTuningTunesEveryNetworkOfAnEnsemble) {
  testing::ScratchDir dir;
  Data d = make_data(100, 24);
  cost_model::CostModelOptions o = untrained_options();
  o.values["members"] = 2, o.values["online"] = true, o.values["finetune_steps"] = 3;
  SequenceModel m("world", world_option_specs(), o);
  std::vector<float> before = m.predict(*d.task, d.states);
  auto members_params = [&](const std::string &file) {
    m.save(dir.file(file));
    nlohmann::json j;
    std::ifstream(dir.file(file)) >> j;
    return std::vector<nlohmann::json>{j["members"][0]["params"], j["members"][1]["params"]};
  };
  std::vector<nlohmann::json> was = members_params("before.json");
  m.update(measured(d, 0, 64));
  std::vector<nlohmann::json> now = members_params("after.json");
  EXPECT_NE(was[0], now[0]);
  EXPECT_NE(was[1], now[1]);
  EXPECT_NE(m.predict(*d.task, d.states), before);
}

TEST(WorldModel, AFixedStepCountFineTunesTheSameWhateverTheTimeAndTheHeadAlone) {
  Data d = make_data(100, 24);
  auto tuned = [&](bool head_only, int64_t budget_ms) {
    cost_model::CostModelOptions o = untrained_options();
    o.values["online"] = true;
    o.values["finetune_steps"] = 3;
    o.values["finetune_ms"] = budget_ms;  // ignored with a fixed step count
    o.values["finetune_head"] = head_only;
    SequenceModel m("world", world_option_specs(), o);
    m.update(measured(d, 0, 64));
    return m.predict(*d.task, d.states);
  };
  EXPECT_EQ(tuned(false, 1), tuned(false, 100000));  // deterministic
  cost_model::CostModelOptions o = untrained_options();
  SequenceModel untouched("world", world_option_specs(), o);
  std::vector<float> before = untouched.predict(*d.task, d.states);
  EXPECT_NE(tuned(true, 500), before);             // the head moved
  EXPECT_NE(tuned(true, 500), tuned(false, 500));  // and only the head
}

TEST(LocalResidual, RegressesTheResidualOnStandardizedFeatures) {
  // residual = 1 + 2 * f0 exactly; f1 is noise-free but irrelevant, f2 constant (no weight).
  std::vector<std::vector<float>> rows;
  std::vector<double> residual;
  for (int i = 0; i < 40; ++i) {
    float f0 = static_cast<float>(i % 7) - 3, f1 = static_cast<float>((i * 5) % 11);
    rows.push_back({f0, f1, 4});
    residual.push_back(1 + 2 * f0);
  }
  LocalResidual tight = LocalResidual::fit(rows, residual, 1e-6);
  ASSERT_TRUE(tight.fitted());
  EXPECT_NEAR(tight.apply({2, 3, 4}), 5, 1e-3);
  EXPECT_NEAR(tight.apply({-1, 9, 4}), -1, 1e-3);
  EXPECT_NEAR(tight.apply({0, 0, 100}), 1, 1e-3);  // a feature constant in the fit is ignored
  // A large penalty shrinks the slope towards the mean residual.
  LocalResidual loose = LocalResidual::fit(rows, residual, 1e4);
  const double mean = std::accumulate(residual.begin(), residual.end(), 0.0) / 40;  // 0.75
  EXPECT_NEAR(loose.apply({2, 3, 4}), mean, 0.01);
  EXPECT_FALSE(LocalResidual::fit({{1, 2}}, {3}, 1).fitted());
  EXPECT_EQ(LocalResidual().apply({1, 2}), 0);
}

// option local: after a round, the model corrects what it mispredicted on the run's programs.
TEST(WorldModel, ALocalResidualLearnsTheRunsMeasurementsOnlyWhenAsked) {
  Data d = make_data(100, 24);
  std::vector<schedule::State> seen(d.states.begin(), d.states.begin() + 64);
  std::vector<double> seen_costs(d.costs.begin(), d.costs.begin() + 64);
  for (double ridge : {0.0, 0.1}) {
    cost_model::CostModelOptions o = untrained_options();
    o.values["local"] = ridge;
    SequenceModel m("world", world_option_specs(), o);
    std::vector<float> before = m.predict(*d.task, seen);
    m.update(measured(d, 0, 64));
    std::vector<float> after = m.predict(*d.task, seen);
    if (ridge == 0) {
      EXPECT_EQ(after, before);
      continue;
    }
    EXPECT_GT(pairwise_accuracy(after, seen_costs), 0.85);
    EXPECT_GT(pairwise_accuracy(after, seen_costs), pairwise_accuracy(before, seen_costs) + 0.1);
  }
  cost_model::CostModelOptions bad = untrained_options();
  bad.values["local"] = -1;
  EXPECT_THROW(SequenceModel("world", world_option_specs(), bad), UserError);
}

}  // namespace
}  // namespace worldtune::world
