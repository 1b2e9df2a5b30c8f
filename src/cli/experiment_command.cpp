/// \file `worldtune experiment CONFIG`: runs an experiment's tuning runs with this very binary (one
/// `tune` process per run, its output in the run's .out file) and its reports' commands, then
/// compares and reports.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cost_model/cost_model_registry.h"
#include "experiment/experiment_runner.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::cli {

namespace {

/// This executable, so that every run uses the same build as the experiment.
std::string self_path() {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  WT_USER_CHECK(!ec, Io, "cannot find the worldtune executable (/proc/self/exe)");
  return p.string();
}

/// `worldtune ARGS` with this binary, or the executable args[0] when it is a path.
int launch(const std::vector<std::string> &args, const std::string &log) {
  bool executable = !args.empty() && args[0].find('/') != std::string::npos;
  std::string cmd = executable ? "" : shell_quote(self_path());
  for (const std::string &a : args) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  int status = std::system((cmd + " < /dev/null >> " + shell_quote(log) + " 2>&1").c_str());
  if (status == -1 || !WIFEXITED(status)) return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return WEXITSTATUS(status);
}

}  // namespace

int run_experiment_command(const ExperimentCommandOptions &o) {
  experiment::ExperimentConfig c =
      experiment::read_experiment_config(o.config, cost_model::cost_model_names());
  experiment::ExperimentOptions eo{o.out_dir, o.discard_invalidated, !o.no_compare, o.pack,
                                   o.markdown};
  if (o.plan)
    experiment::print_plan(c, eo, std::cout);
  else
    experiment::run_experiment(c, eo, launch, std::cout);
  return 0;
}

}  // namespace worldtune::cli
