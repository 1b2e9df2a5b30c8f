/// \file `worldtune models`, `train` and `eval-model`: the cost-model table, pretraining on
/// corpora, ranking metrics on held-out workloads (src/training).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "cost_model/cost_model_registry.h"
#include "dataset/corpus.h"
#include "support/strings.h"
#include "training/model_training.h"
#include "worldtune/error.h"
#include "worldtune/record.h"

namespace worldtune::cli {

int run_models() {
  for (const cost_model::CostModelEntry &e : cost_model::cost_model_table()) {
    std::printf("%s\n    %s\n", e.name.c_str(), e.summary.c_str());
    for (const cost_model::ModelOptionSpec &s : e.options)
      std::printf("      %-8s %s (default %s)\n", s.name.c_str(), s.help.c_str(),
                  s.default_value.dump().c_str());
  }
  return 0;
}

int run_train(const TrainCommandOptions &o) {
  training::TrainOptions t = o.train;
  cost_model::set_model_options(t.model, o.model_options, t.model_options);
  training::TrainReport rep = training::train_model(t, std::cout);
  std::printf("wrote     %s (%s, %lld + %lld programs, %.1f s)\n", t.out.c_str(), t.model.c_str(),
              static_cast<long long>(rep.train_programs),
              static_cast<long long>(rep.valid_programs), rep.seconds);
  return 0;
}

namespace {

/// A model file, or the name of a model used untrained (`random`).
std::unique_ptr<search::CostModel> model_for_eval(const std::string &what) {
  cost_model::CostModelOptions mo;
  std::error_code ec;
  if (std::filesystem::exists(what, ec)) return cost_model::load_cost_model(what, mo);
  for (const std::string &name : cost_model::cost_model_names())
    if (name == what) return cost_model::make_cost_model(name, mo);
  WT_USER_CHECK(false, BadArgument,
                "--model '" << what << "' is neither a model file nor a cost model name");
  return nullptr;
}

void print_row(const std::string &name, int programs, int failed,
               const training::RankingMetrics &m) {
  std::printf("%-60.60s %8d %6d %8.3f %6.3f %6.3f %8.3f\n", name.c_str(), programs, failed,
              m.pairwise, m.top1, m.top5, m.spearman);
}

/// Every scored record of the groups as a JSON line with the model's "score" added.
void write_scores(const std::string &path, const std::vector<dataset::CorpusGroup> &groups,
                  const training::EvalReport &rep) {
  std::ofstream out(path);
  WT_USER_CHECK(out.good(), Io, "cannot write --scores file '" << path << "'");
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t k = 0; k < rep.groups[g].scored.size(); ++k) {
      nlohmann::json j = record_to_json(groups[g].records[rep.groups[g].scored[k]]);
      j["score"] = rep.groups[g].scores[k];
      out << j.dump() << "\n";
    }
  WT_USER_CHECK(out.good(), Io, "writing --scores file '" << path << "' failed");
}

}  // namespace

int run_eval_model(const EvalModelOptions &o) {
  std::unique_ptr<search::CostModel> model = model_for_eval(o.model);
  std::vector<dataset::CorpusGroup> groups = dataset::load_corpus(o.corpus);
  training::EvalReport rep = training::evaluate_model(*model, groups);
  std::printf("model %s (%s) on %zu workload group(s)\n\n", o.model.c_str(), model->name().c_str(),
              rep.groups.size());
  std::printf("%-60s %8s %6s %8s %6s %6s %8s\n", "workload", "programs", "failed", "pairwise",
              "top-1", "top-5", "spearman");
  std::set<std::string> machines;
  for (const training::GroupScore &g : rep.groups) machines.insert(g.machine);
  for (const training::GroupScore &g : rep.groups)
    print_row(machines.size() > 1 ? g.workload + " @ " + g.machine : g.workload, g.metrics.programs,
              g.failed, g.metrics);
  print_row("mean over workloads", rep.mean.programs, 0, rep.mean);
  if (machines.size() == 1) std::printf("\nmachine: %s\n", machines.begin()->c_str());
  if (!o.scores.empty()) write_scores(o.scores, groups, rep);
  return 0;
}

}  // namespace worldtune::cli
