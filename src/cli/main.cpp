/// \file The `worldtune` command line: parses flags and hands them to commands.cpp.
///
/// Roadmap of one measurement (docs/ARCHITECTURE.md has the picture): workload key -> ComputeDAG
/// (src/ir) -> sketches and random annotation (src/search) -> State steps (src/schedule) ->
/// Halide build in worker processes (src/halide, src/measure/builder) -> isolated timed run and
/// reference check (src/measure/runner) -> one JSON record line (src/measure/record).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <limits>
#include <string>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "cost_model/cost_model_registry.h"
#include "support/strings.h"
#include "worldtune/error.h"
#include "worldtune/version.h"

namespace {

using worldtune::cli::integer_in;
using worldtune::cli::positive_amount;
using worldtune::cli::positive_seconds;
using worldtune::cli::seed_value;
constexpr int kIntMax = std::numeric_limits<int>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

void add_measure_flags(CLI::App *cmd, worldtune::measure::MeasureOptions &m, std::string &check) {
  cmd->add_option("--target", m.target, "Halide target string (default: host)");
  cmd->add_option("--build-timeout", m.build_timeout_s, "seconds per build")
      ->check(positive_seconds());
  cmd->add_option("--run-timeout", m.run_timeout_s, "seconds per run")->check(positive_seconds());
  cmd->add_option("--parallel-builds", m.build_parallel, "parallel build processes (0: cores)")
      ->check(integer_in(0, kIntMax));
  cmd->add_option("--number", m.number, "runs per repeat")->check(integer_in(1, kIntMax));
  cmd->add_option("--repeat", m.repeat, "repeats (one cost each)")->check(integer_in(1, kIntMax));
  cmd->add_option("--min-repeat-ms", m.min_repeat_ms, "minimum duration of one repeat")
      ->check(integer_in(0, kIntMax));
  cmd->add_flag("--cache-flush", m.cache_flush, "flush caches before each run");
  cmd->add_option("--threads", m.threads, "threads while timing (0: cores)")
      ->check(integer_in(0, kIntMax));
  cmd->add_option("--check", check, "compare outputs with the reference: none, best, all")
      ->check(CLI::IsMember({"none", "best", "all"}));
  cmd->add_option("--input-seed", m.input_seed, "seed of the random inputs")->check(seed_value());
  cmd->add_option("--work-dir", m.work_dir, "where candidates are built (default: a temp dir)");
  cmd->add_flag("--keep-artifacts", m.keep_artifacts, "keep built candidates");
  cmd->add_option("--memory-cap", m.memory_cap_gib,
                  "GiB of address space per build or run worker (default: 90% of RAM shared by "
                  "the parallel builds, all of it for the one run)")
      ->check(positive_amount("GiB"));
}

worldtune::measure::CheckPolicy parse_check(const std::string &s) {
  if (s == "none") return worldtune::measure::CheckPolicy::None;
  if (s == "all") return worldtune::measure::CheckPolicy::All;
  return worldtune::measure::CheckPolicy::NewBest;
}

void add_model_option_flag(CLI::App *cmd, std::vector<std::string> &options) {
  cmd->add_option("--model-option", options,
                  "NAME=VALUE option of the cost model (repeatable; worldtune models lists them)");
}

/// --model FILE.onnx (required) and --batch N of the commands on whole networks.
void add_network_flags(CLI::App *cmd, std::string &model, int64_t &batch) {
  cmd->add_option("--model", model, "ONNX file")->required();
  cmd->add_option("--batch", batch, "batch size (for a dynamic first dimension)")
      ->check(integer_in(1, kIntMax));
}

/// `tune` and its flags (tune_command.cpp).
struct TuneCommand {
  worldtune::cli::TuneCommandOptions opts;
  std::string check = "best";
  CLI::App *cmd = nullptr;
};

void add_tune_command(CLI::App &app, TuneCommand &t) {
  auto &o = t.opts;
  t.cmd = app.add_subcommand("tune",
                             "search schedules with Ansor's evolutionary search and a cost "
                             "model; several workloads share the trial budget");
  auto *workload = t.cmd->add_option("--workload", o.tune.workloads, "workload key (repeatable)");
  auto *network =
      t.cmd->add_option("--model", o.network, "ONNX network: tune all its tasks (fused subgraphs)");
  workload->excludes(network);
  t.cmd->add_option("--batch", o.batch, "with --model: batch size (for a dynamic first dimension)")
      ->check(integer_in(1, kIntMax))
      ->needs(network);
  t.cmd->add_option("--trials", o.tune.trials, "measurement trials in all")
      ->check(integer_in(1, kInt64Max));
  t.cmd->add_option("--cost-model", o.cost_model, "cost model (worldtune models lists them)")
      ->check(CLI::IsMember(worldtune::cost_model::cost_model_names()));
  add_model_option_flag(t.cmd, t.opts.model_options);
  t.cmd->add_option("--records", o.tune.records, "JSON-lines records file (appended)")->required();
  t.cmd->add_option("--seed", o.tune.seed, "search seed")->check(seed_value());
  t.cmd
      ->add_option("--early-stopping", o.tune.scheduler.early_stopping,
                   "stop the run after this many trials without a better total latency (-1: never)")
      ->check(integer_in(-1, kInt64Max));
  t.cmd
      ->add_option("--per-task-early-stopping", o.tune.scheduler.per_task_early_stopping,
                   "stop tuning a workload after this many of its trials without improvement "
                   "(-1: never)")
      ->check(integer_in(-1, kInt64Max));
  t.cmd->add_flag("--resume", o.tune.resume, "continue the run recorded in --records");
  t.cmd
      ->add_option("--per-round", o.tune.measures_per_round,
                   "candidates measured per round (at most; a run over several workloads takes "
                   "min(this, trials / workloads), and a resume keeps the recorded run's)")
      ->check(integer_in(1, kIntMax))
      ->each([&o](const std::string &) { o.tune.per_round_given = true; });
  t.cmd->add_option("--log", o.tune.log, "error log (default: <records>.log)");
  t.cmd->add_option("--load-model", o.load_model, "start from a saved cost model");
  t.cmd->add_option("--save-model", o.save_model, "save the trained cost model at the end");
  t.cmd->add_flag("--no-warmup", o.no_warmup,
                  "use the model from the first round (Ansor predicts randomly until 100 samples)");
  t.cmd->add_option("--task-scheduler", o.tune.scheduler.strategy, "gradient or round-robin")
      ->check(CLI::IsMember({"gradient", "round-robin"}));
  t.cmd
      ->add_option("--population", o.tune.search.evolutionary_search_population,
                   "evolutionary search population")
      ->check(integer_in(1, kIntMax));
  t.cmd
      ->add_option("--generations", o.tune.search.evolutionary_search_num_iters,
                   "evolutionary search generations")
      ->check(integer_in(0, kIntMax));
  t.cmd
      ->add_option("--local-share", o.tune.search.local_share,
                   "after the first round, this share of each round's picks are the model's best "
                   "one-mutation neighbours of the fastest measured schedules (0: Ansor's search)")
      ->check(CLI::Range(0.0, 1.0));
  add_measure_flags(t.cmd, o.tune.measure, t.check);
}

/// `dataset` and its flags (dataset_command.cpp).
struct DatasetCommand {
  worldtune::cli::DatasetCommandOptions opts;
  std::string check = "best";
  std::string preset = "corpus";
  CLI::App *cmd = nullptr;
};

void add_dataset_command(CLI::App &app, DatasetCommand &d) {
  auto &o = d.opts.dataset;
  d.cmd = app.add_subcommand("dataset",
                             "measure a corpus of programs for pretraining cost models: one "
                             "records file per workload, resumable");
  d.cmd->add_option("--workloads", d.opts.workload_list, "workload list file (one key per line)")
      ->required();
  d.cmd->add_option("--out", o.out_dir, "folder of the records files (appended)")->required();
  d.cmd->add_option("--count", o.count, "records per workload")->check(integer_in(1, kIntMax));
  d.cmd->add_option("--per-round", o.per_round, "programs per round")
      ->check(integer_in(1, kIntMax));
  d.cmd
      ->add_option("--guided-fraction", o.guided_fraction,
                   "share of rounds proposed by the cost-model-guided search (the rest random)")
      ->check(CLI::Range(0.0, 1.0));
  d.cmd->add_flag("--balanced-locations", o.search.annotation.balanced_locations,
                  "draw compute locations by kind (inlined, root, at a loop: a third each) "
                  "instead of Ansor's uniform draw over all locations");
  d.cmd->add_option("--guide", d.opts.guide, "cost model of the guided rounds")
      ->check(CLI::IsMember(worldtune::cost_model::cost_model_names()));
  add_model_option_flag(d.cmd, d.opts.model_options);
  d.cmd->add_option("--seed", o.seed, "corpus seed")->check(seed_value());
  d.cmd
      ->add_option("--preset", d.preset,
                   "measurement preset: corpus (min-repeat-ms 30, run-timeout 5) or standard "
                   "(tune's); flags given override it")
      ->check(CLI::IsMember({"corpus", "standard"}));
  add_measure_flags(d.cmd, o.measure, d.check);
}

int run_dataset_command(DatasetCommand &d) {
  auto &m = d.opts.dataset.measure;
  if (d.preset == "corpus") {
    worldtune::measure::MeasureOptions given = m;
    worldtune::dataset::apply_corpus_preset(m);
    if (d.cmd->count("--min-repeat-ms")) m.min_repeat_ms = given.min_repeat_ms;
    if (d.cmd->count("--run-timeout")) m.run_timeout_s = given.run_timeout_s;
  }
  m.check = parse_check(d.check);
  return worldtune::cli::run_dataset(d.opts);
}

/// models, train and eval-model (model_commands.cpp).
struct ModelCommands {
  worldtune::cli::TrainCommandOptions train;
  worldtune::cli::EvalModelOptions eval;
  CLI::App *models = nullptr, *train_cmd = nullptr, *eval_cmd = nullptr;
};

void add_model_commands(CLI::App &app, ModelCommands &m) {
  m.models = app.add_subcommand("models", "list the cost models and their options");
  auto &t = m.train.train;
  m.train_cmd =
      app.add_subcommand("train", "pretrain a cost model on corpora of measured programs");
  m.train_cmd->add_option("--corpus", t.corpus, "records files or folders of them (repeatable)")
      ->required();
  m.train_cmd->add_option("--model", t.model, "cost model (worldtune models lists them)")
      ->check(CLI::IsMember(worldtune::cost_model::cost_model_names()));
  m.train_cmd->add_option("--out", t.out, "model file to write")->required();
  m.train_cmd->add_option("--init", t.init,
                          "start from this model file's weights (world, tlp): fine-tunes them "
                          "on the corpus, or with --model-option epochs=0 only refits their "
                          "score calibration");
  m.train_cmd
      ->add_option("--valid-share", t.valid_share,
                   "share of the workloads held out to decide when training stops")
      ->check(CLI::Range(0.0, 0.9));
  m.train_cmd->add_option("--seed", t.seed, "which workloads are held out")->check(seed_value());
  m.train_cmd
      ->add_option("--model-seed", t.model_options.seed,
                   "seed of the model's initial weights and batch order (training twice with two "
                   "seeds shows how much a result owes to chance)")
      ->check(seed_value());
  add_model_option_flag(m.train_cmd, m.train.model_options);
  m.eval_cmd = app.add_subcommand(
      "eval-model",
      "rank a corpus's programs with a cost model: pairwise accuracy, top-k, Spearman");
  m.eval_cmd->add_option("--model", m.eval.model, "model file, or random")->required();
  m.eval_cmd->add_option("--corpus", m.eval.corpus, "records files or folders (repeatable)")
      ->required();
  m.eval_cmd->add_option("--scores", m.eval.scores,
                         "write every scored record, with the model's \"score\", to this JSONL "
                         "file (to see which programs it rates highest)");
}

/// Runs the model command given, or returns -1 when the command is another one.
int run_model_command(const ModelCommands &m) {
  if (m.models->parsed()) return worldtune::cli::run_models();
  if (m.train_cmd->parsed()) return worldtune::cli::run_train(m.train);
  if (m.eval_cmd->parsed()) return worldtune::cli::run_eval_model(m.eval);
  return -1;
}

void add_plot_command(CLI::App &app, worldtune::cli::PlotCommandOptions &p) {
  auto *plot = app.add_subcommand("plot",
                                  "draw tuning curves (best GFLOP/s against trials) per workload "
                                  "with gnuplot, peers as dashed lines");
  plot->add_option("--records", p.records, "records file of a run (repeatable)")->required();
  plot->add_option("--out", p.out, "image to write: .png or .svg")->required();
  plot->add_option("--size", p.size, "WIDTHxHEIGHT in pixels (default: from the workloads)");
  plot->add_option("--title", p.title, "title above the panels");
  plot->add_option("--data-dir", p.data_dir, "keep gnuplot's script and data in this folder");
  plot->add_flag("--per-file", p.per_file,
                 "one curve per records file (default: seeds of one method make one median "
                 "curve with a min-max band)");
}

/// best, export, baseline and plot: the commands on results (result_commands.cpp).
struct ResultCommands {
  worldtune::cli::BestOptions best;
  worldtune::cli::ExportCommandOptions exp;
  worldtune::cli::BaselineCommandOptions baseline;
  worldtune::cli::PlotCommandOptions plot;
  std::string baseline_check = "all";  // a baseline is only worth its number when checked
};

void add_result_commands(CLI::App &app, ResultCommands &r) {
  auto *best =
      app.add_subcommand("best", "print the best record of each workload and its schedule");
  best->add_option("--records", r.best.records, "JSON-lines records file")->required();
  best->add_option("--workload", r.best.workload, "only this workload key");
  auto *exp = app.add_subcommand("export", "export a workload's best schedule as a library");
  exp->add_option("--records", r.exp.records, "JSON-lines records file")->required();
  exp->add_option("--workload", r.exp.workload, "workload key")->required();
  exp->add_option("--out", r.exp.out_dir, "directory to write into")->required();
  exp->add_option("--target", r.exp.target, "Halide target string (default: host)");
  exp->add_option("--name", r.exp.name,
                  "function and file name, a C identifier (default: the operator's)");
  exp->add_flag("--force", r.exp.force, "write into --out even when it holds files");
  auto *base = app.add_subcommand("baseline",
                                  "measure a baseline: naive, Halide's autoschedulers "
                                  "or oneDNN, like a tuned schedule");
  base->add_option("--workload", r.baseline.workload, "workload key")->required();
  base->add_option("--method", r.baseline.method,
                   "naive, halide-adams2019, halide-mullapudi2016 or onednn")
      ->required();
  base->add_option("--records", r.baseline.records, "JSON-lines records file to append to");
  // Adams2019 searched 7 minutes for a 56x56x64 conv2d on 2 cores: far beyond a candidate build.
  r.baseline.measure.build_timeout_s = 1200;
  // One build: its worker may take the memory of all (Adams2019 used 11.4 GiB for a conv2d).
  r.baseline.measure.build_parallel = 1;
  add_measure_flags(base, r.baseline.measure, r.baseline_check);
  add_plot_command(app, r.plot);
}

/// Runs the result command given, or returns -1 when the command is another one.
int run_result_command(const CLI::App &app, ResultCommands &r) {
  if (app.got_subcommand("best")) return worldtune::cli::run_best(r.best);
  if (app.got_subcommand("export")) return worldtune::cli::run_export(r.exp);
  if (app.got_subcommand("plot")) return worldtune::cli::run_plot(r.plot);
  if (app.got_subcommand("baseline")) {
    r.baseline.measure.check = parse_check(r.baseline_check);
    return worldtune::cli::run_baseline(r.baseline);
  }
  return -1;
}

CLI::App *add_experiment_command(CLI::App &app, worldtune::cli::ExperimentCommandOptions &e) {
  auto *cmd = app.add_subcommand(
      "experiment",
      "run an experiment from a config (workloads, methods, seeds, budget, peers): resumable "
      "tuning runs, bests re-measured side by side, CSV, markdown tables and curves");
  cmd->add_option("config", e.config, "experiment config (JSON)")->required();
  cmd->add_option("--out", e.out_dir, "the experiment's folder (runs, comparisons, results)")
      ->required();
  cmd->add_flag("--discard-invalidated", e.discard_invalidated,
                "move the records of runs the config changed to <out>/invalidated and rerun them");
  cmd->add_flag("--no-compare", e.no_compare,
                "measure no comparison: tables show saved comparisons, else the tuners' figures");
  cmd->add_option("--markdown", e.markdown,
                  "also write the markdown report here (e.g. docs/results.md), its image link "
                  "relative to it");
  cmd->add_flag("--plan", e.plan, "print the runs and their states, run nothing");
  cmd->add_option("--adopt", e.adopt,
                  "take runs not started yet from this folder (<method>_<workload slug>.jsonl "
                  "with its .run.json) when their settings are the run's; repeat it to gather "
                  "several folders (the first holding a run is asked)")
      ->allow_extra_args(false);
  cmd->add_flag("--pack", e.pack,
                "compress the runs' records with xz at the end (to commit an experiment)");
  return cmd;
}

/// CLI11 answers a mistyped command with only "A subcommand is required": name it and the
/// commands there are. Returns true, having said so, when argv[1] is no command.
bool refuse_unknown_command(CLI::App &app, int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::string given = argv[1];
  std::vector<CLI::App *> all = app.get_subcommands([](CLI::App *) { return true; });
  for (const CLI::App *c : all)
    if (c->check_name(given)) return false;
  std::fprintf(
      stderr, "error: argument: unknown command '%s'; commands: %s\n",
      worldtune::quote_cut(given).c_str(),
      worldtune::join_mapped(all, ", ", [](const CLI::App *c) { return c->get_name(); }).c_str());
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"worldtune: an auto-scheduler for tensor programs on Halide"};
  app.require_subcommand(1);
  app.set_version_flag("--version", worldtune::kWorldtuneVersion);

  app.add_subcommand("workloads", "list the operator library and its parameters");

  worldtune::cli::ShowOptions show;
  auto *show_cmd =
      app.add_subcommand("show", "print a workload's DAG, sketches and one random schedule");
  show_cmd->add_option("--workload", show.workload, "workload key")->required();
  show_cmd->add_option("--seed", show.seed, "seed of the random schedule")->check(seed_value());

  worldtune::cli::MeasureCommandOptions meas;
  std::string check = "best";
  auto *meas_cmd = app.add_subcommand("measure", "measure random schedules and append records");
  meas_cmd->add_option("--workload", meas.workload, "workload key")->required();
  meas_cmd->add_option("--random", meas.random, "number of random schedules")
      ->check(integer_in(1, kIntMax));
  meas_cmd->add_option("--records", meas.records, "JSON-lines records file to append to");
  meas_cmd->add_option("--seed", meas.seed, "search seed")->check(seed_value());
  meas_cmd->add_option("--batch", meas.batch, "candidates built together")
      ->check(integer_in(1, kIntMax));
  add_measure_flags(meas_cmd, meas.measure, check);
  ResultCommands results;
  add_result_commands(app, results);
  TuneCommand tune;
  add_tune_command(app, tune);
  DatasetCommand dataset;
  add_dataset_command(app, dataset);
  ModelCommands models;
  add_model_commands(app, models);
  worldtune::cli::ExperimentCommandOptions experiment;
  CLI::App *experiment_cmd = add_experiment_command(app, experiment);
  worldtune::cli::InspectOptions inspect;
  auto *inspect_cmd =
      app.add_subcommand("inspect", "import an ONNX network and print what worldtune sees of it");
  add_network_flags(inspect_cmd, inspect.model, inspect.batch);
  inspect_cmd->add_flag("--nodes", inspect.nodes, "also list every node with its shapes");
  inspect_cmd->add_flag("--tasks", inspect.tasks,
                        "also split it into tuning tasks (fused subgraphs) and list them; with "
                        "--check-io, check the tasks (run by the IR interpreter) too");
  inspect_cmd->add_option("--check-io", inspect.check_io,
                          "run the reference evaluation on this JSON input and compare its output "
                          "(FILE.io.json of scripts/make_onnx_models.py)");

  worldtune::netcompile::CompileNetworkOptions compile;
  auto *compile_cmd = app.add_subcommand(
      "compile", "compile a tuned network: its kernels, a graph executor, a C API and an example");
  add_network_flags(compile_cmd, compile.model, compile.batch);
  compile_cmd->add_option("--records", compile.records, "records of tune --model")->required();
  compile_cmd->add_option("--out", compile.out_dir, "output folder")->required();
  compile_cmd->add_option("--target", compile.target, "Halide target (default: this host)");
  compile_cmd->add_option("--name", compile.name, "C prefix and file names (default: the file's)");
  compile_cmd->add_flag("--force", compile.force, "write into a folder that holds files");
  compile_cmd->add_option("--check-io", compile.io,
                          "check the example on this input and framework output (FILE.io.json) "
                          "instead of worldtune's reference evaluation of a fixed input");
  worldtune::netcompile::RunModelOptions run_model;
  auto *run_model_cmd = app.add_subcommand(
      "run-model", "time a compiled network and check its output against a framework's");
  run_model_cmd->add_option("--dir", run_model.dir, "the folder compile wrote")->required();
  run_model_cmd->add_option("--check-io", run_model.io,
                            "input and framework output (FILE.io.json; default: compile's)");
  run_model_cmd->add_option("--runs", run_model.runs, "timed runs")->check(integer_in(1, kIntMax));
  run_model_cmd->add_option("--threads", run_model.threads, "threads (default: all cores)")
      ->check(integer_in(1, kIntMax));

  if (refuse_unknown_command(app, argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // A bad flag is a user error like any other: same prefix and exit code.
    std::fprintf(stderr, "error: argument: %s\n", worldtune::quote_cut(e.what(), 400).c_str());
    return 2;
  }
  try {
    if (app.got_subcommand("workloads")) return worldtune::cli::run_workloads();
    if (app.got_subcommand("show")) return worldtune::cli::run_show(show);
    if (inspect_cmd->parsed()) return worldtune::cli::run_inspect(inspect);
    if (compile_cmd->parsed()) return worldtune::cli::run_compile(compile);
    if (run_model_cmd->parsed()) return worldtune::cli::run_run_model(run_model);
    if (app.got_subcommand("measure")) {
      meas.measure.check = parse_check(check);
      return worldtune::cli::run_measure(meas);
    }
    if (int rc = run_result_command(app, results); rc >= 0) return rc;
    if (dataset.cmd->parsed()) return run_dataset_command(dataset);
    if (int rc = run_model_command(models); rc >= 0) return rc;
    if (experiment_cmd->parsed()) return worldtune::cli::run_experiment_command(experiment);
    if (tune.cmd->parsed()) {
      tune.opts.tune.measure.check = parse_check(tune.check);
      return worldtune::cli::run_tune(tune.opts);
    }
  } catch (const worldtune::UserError &e) {
    std::fprintf(stderr, "error: %s: %s\n", worldtune::error_kind_name(e.kind()), e.what());
    return 2;
  } catch (const std::exception &e) {
    // Not a user error: a bug or the system (out of memory, ...). Records written so far stay.
    std::fprintf(stderr, "error: internal: %s\n", e.what());
    return 3;
  }
  return 0;
}
