/// \file The `worldtune` command line: parses flags and hands them to commands.cpp.
///
/// Roadmap of one measurement (docs/ARCHITECTURE.md has the picture): workload key -> ComputeDAG
/// (src/ir) -> sketches and random annotation (src/search) -> State steps (src/schedule) ->
/// Halide build in worker processes (src/halide, src/measure/builder) -> isolated timed run and
/// reference check (src/measure/runner) -> one JSON record line (src/measure/record).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "worldtune/error.h"
#include "worldtune/version.h"

namespace {

void add_measure_flags(CLI::App *cmd, worldtune::measure::MeasureOptions &m, std::string &check) {
  cmd->add_option("--target", m.target, "Halide target string (default: host)");
  cmd->add_option("--build-timeout", m.build_timeout_s, "seconds per build")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--run-timeout", m.run_timeout_s, "seconds per run")->check(CLI::PositiveNumber);
  cmd->add_option("--parallel-builds", m.build_parallel, "parallel build processes (0: cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--number", m.number, "runs per repeat")->check(CLI::PositiveNumber);
  cmd->add_option("--repeat", m.repeat, "repeats (one cost each)")->check(CLI::PositiveNumber);
  cmd->add_option("--min-repeat-ms", m.min_repeat_ms, "minimum duration of one repeat")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--cache-flush", m.cache_flush, "flush caches before each run");
  cmd->add_option("--threads", m.threads, "threads while timing (0: cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--check", check, "compare outputs with the reference: none, best, all")
      ->check(CLI::IsMember({"none", "best", "all"}));
  cmd->add_option("--input-seed", m.input_seed, "seed of the random inputs");
  cmd->add_option("--work-dir", m.work_dir, "where candidates are built (default: a temp dir)");
  cmd->add_flag("--keep-artifacts", m.keep_artifacts, "keep built candidates");
}

worldtune::measure::CheckPolicy parse_check(const std::string &s) {
  if (s == "none") return worldtune::measure::CheckPolicy::None;
  if (s == "all") return worldtune::measure::CheckPolicy::All;
  return worldtune::measure::CheckPolicy::NewBest;
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
  show_cmd->add_option("--seed", show.seed, "seed of the random schedule");

  worldtune::cli::MeasureCommandOptions meas;
  std::string check = "best";
  auto *meas_cmd = app.add_subcommand("measure", "measure random schedules and append records");
  meas_cmd->add_option("--workload", meas.workload, "workload key")->required();
  meas_cmd->add_option("--random", meas.random, "number of random schedules")
      ->check(CLI::PositiveNumber);
  meas_cmd->add_option("--records", meas.records, "JSON-lines records file to append to");
  meas_cmd->add_option("--seed", meas.seed, "search seed");
  meas_cmd->add_option("--batch", meas.batch, "candidates built together")
      ->check(CLI::PositiveNumber);
  add_measure_flags(meas_cmd, meas.measure, check);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    return app.exit(e);
  }
  try {
    if (app.got_subcommand("workloads")) return worldtune::cli::run_workloads();
    if (app.got_subcommand("show")) return worldtune::cli::run_show(show);
    if (app.got_subcommand("measure")) {
      meas.measure.check = parse_check(check);
      return worldtune::cli::run_measure(meas);
    }
  } catch (const worldtune::UserError &e) {
    std::fprintf(stderr, "error: %s: %s\n", worldtune::error_kind_name(e.kind()), e.what());
    return 2;
  }
  return 0;
}
