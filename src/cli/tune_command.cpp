/// \file `worldtune tune`: builds the cost model, runs the tuner, prints the summary and where the
/// time went.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "cost_model/cost_model_registry.h"
#include "onnx_import/onnx_import.h"
#include "partition/partitioner.h"
#include "worldtune/error.h"
#include "worldtune/measure_result.h"

namespace worldtune::cli {

namespace {

/// The file a path names, so that `./r.jsonl`, `r.jsonl` and links to it compare equal.
std::filesystem::path resolved(const std::string &path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::absolute(path, ec).lexically_normal() : p;
}

/// A file of the run, by what the user calls it.
struct RunFile {
  std::string what;  ///< a flag, or how the file derives from one
  std::string path;
};

void refuse_same_file(const RunFile &out, const RunFile &other) {
  if (out.path.empty() || other.path.empty()) return;
  WT_USER_CHECK(resolved(out.path) != resolved(other.path), BadArgument,
                out.what << " and " << other.what << " name the same file '" << out.path
                         << "': writing one would destroy the other; choose another path");
}

/// Refuses a tune output (the model, the error log) that is one of the run's other files:
/// writing it would replace the records or make them unreadable.
void check_outputs(const TuneCommandOptions &o) {
  const std::string &records = o.tune.records;
  RunFile log{o.tune.log.empty() ? "--log (default: <records>.log)" : "--log",
              tune::error_log_path(o.tune)};
  RunFile model{"--save-model", o.save_model};
  for (const RunFile &out : {log, model})
    for (const RunFile &other : {RunFile{"--records", records},
                                 RunFile{"the run settings of --records", records + ".run.json"},
                                 RunFile{"the lock of --records", records + ".lock"}})
      refuse_same_file(out, other);
  refuse_same_file(log, {"--load-model", o.load_model});
  refuse_same_file(model, log);
}

/// The workloads of the run: --workload's, or the tasks of --model's network with their weights.
tune::TuneOptions workloads_of(const TuneCommandOptions &o) {
  tune::TuneOptions to = o.tune;
  WT_USER_CHECK(!to.workloads.empty() || !o.network.empty(), BadArgument,
                "give --workload KEY (repeatable) or --model FILE.onnx");
  if (o.network.empty()) return to;
  const partition::TaskGraph t =
      partition::partition(onnx_import::import_onnx(o.network, {o.batch}));
  to.network = o.network + (o.batch > 0 ? " --batch " + std::to_string(o.batch) : "");
  for (const partition::Task &task : t.tasks) {
    to.workloads.push_back(task.workload_key);
    to.weights.push_back(task.weight);
  }
  std::printf("network   %s: %zu tasks in %zu calls\n", to.network.c_str(), t.tasks.size(),
              t.calls.size());
  return to;
}

}  // namespace

int run_tune(const TuneCommandOptions &o) {
  check_outputs(o);
  cost_model::CostModelOptions mo;
  mo.seed = 43 + o.tune.seed;
  mo.random_warmup = !o.no_warmup;
  cost_model::set_model_options(o.cost_model, o.model_options, mo);
  std::unique_ptr<search::CostModel> model = cost_model::make_cost_model(o.cost_model, mo);
  if (!o.load_model.empty()) model->load(o.load_model);
  tune::TuneOptions to = workloads_of(o);
  to.model_file = o.load_model;
  to.model_digest = cost_model::starting_weights_digest(o.cost_model, o.load_model, mo);
  to.model_options = mo.values;
  tune::TuneReport rep = tune::tune(to, *model, std::cout);

  std::printf("\nsummary   %lld trials (%lld restored from the records), %.1f s\n",
              static_cast<long long>(rep.trials), static_cast<long long>(rep.restored),
              rep.total_s);
  if (!rep.stop_reason.empty()) std::printf("stopped   %s\n", rep.stop_reason.c_str());
  bool any = false;
  for (const tune::TaskSummary &t : rep.tasks) {
    if (t.best_cost < kFailedCost) {
      any = true;
      std::printf("best      %s: %.4f ms, %.2f GFLOP/s (trial %lld of %lld, %lld failed)\n",
                  t.workload.c_str(), t.best_cost * 1e3, t.flops / t.best_cost / 1e9,
                  static_cast<long long>(t.best_trial), static_cast<long long>(t.trials),
                  static_cast<long long>(t.failures));
    } else {
      std::printf("best      %s: no valid schedule in %lld trials\n", t.workload.c_str(),
                  static_cast<long long>(t.trials));
    }
  }
  if (!to.weights.empty()) {
    if (rep.network_cost < kFailedCost)
      std::printf("network   %.4f ms estimated (sum of weight x best latency over %zu tasks)\n",
                  rep.network_cost * 1e3, rep.tasks.size());
    else
      std::printf("network   no estimate: some tasks have no valid schedule\n");
  }
  double accounted = rep.search_s + rep.build_s + rep.run_s + rep.train_s;
  if (rep.total_s > 0)
    std::printf(
        "time      search %.1f%% (prediction %.1f%%), build %.1f%%, run %.1f%%, "
        "training %.1f%%, other %.1f%%\n",
        100 * rep.search_s / rep.total_s, 100 * rep.predict_s / rep.total_s,
        100 * rep.build_s / rep.total_s, 100 * rep.run_s / rep.total_s,
        100 * rep.train_s / rep.total_s, 100 * (rep.total_s - accounted) / rep.total_s);
  if (rep.scored > 0 && rep.scored_s > 0)
    std::printf(
        "model     %lld states scored, %.0f states/s (inputs + model, whole predict calls)\n",
        static_cast<long long>(rep.scored), rep.scored / rep.scored_s);
  else if (rep.predicted > 0)
    std::printf("model     scored nothing itself: its %lld scores were random (%s)\n",
                static_cast<long long>(rep.predicted),
                model->guides_search() ? "warm-up until enough measurements" : "no model");
  if (!o.save_model.empty()) {
    model->save(o.save_model);
    std::printf("model     saved to %s\n", o.save_model.c_str());
  }
  return any ? 0 : 1;
}

}  // namespace worldtune::cli
