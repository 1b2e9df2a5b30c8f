/// \file `worldtune experiment CONFIG`: runs an experiment's tuning runs with this very binary (one
/// `tune` process per run, its output in the run's .out file) and its reports' commands, then
/// compares and reports.
#include <sys/wait.h>
#include <unistd.h>

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

/// This executable, so that every run uses the same build as the experiment: through /proc, which
/// still runs it when a rebuild has replaced the file meanwhile.
std::string self_path() { return "/proc/" + std::to_string(::getpid()) + "/exe"; }

/// `worldtune ARGS` with this binary, or the executable args[0] when it is a path.
int launch(const std::vector<std::string> &args, const std::string &log) {
  bool executable = !args.empty() && args[0].find('/') != std::string::npos;
  std::string cmd = executable ? "" : shell_quote(self_path());
  for (const std::string &a : args) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  int status = std::system((cmd + " < /dev/null >> " + shell_quote(log) + " 2>&1").c_str());
  if (status == -1 || !WIFEXITED(status)) return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return WEXITSTATUS(status);
}

/// What only the cost-model table and the file system know, checked before hours of runs: the
/// methods' model options and files, the reports' executables. Sets each method's model_digest.
void check_config(experiment::ExperimentConfig &c) {
  for (experiment::MethodSpec &m : c.methods) {
    WT_USER_CHECK(
        m.load_model.empty() || std::filesystem::is_regular_file(m.load_model), BadArgument,
        c.path << ": method '" << m.name << "': load_model '" << m.load_model << "' is no file");
    try {
      cost_model::CostModelOptions mo;
      cost_model::set_model_options(m.cost_model, m.model_options, mo);
      m.model_digest = cost_model::starting_weights_digest(m.cost_model, m.load_model, mo);
    } catch (const UserError &e) {
      throw UserError(e.kind(), c.path + ": method '" + m.name + "': " + e.what());
    }
  }
  for (const auto &r : c.reports) {
    const std::string &program = r.command.front();
    WT_USER_CHECK(program.find('/') == std::string::npos || ::access(program.c_str(), X_OK) == 0,
                  BadArgument,
                  c.path << ": report '" << r.title << "': '" << program
                         << "' is no executable (built yet?)");
  }
}

}  // namespace

int run_experiment_command(const ExperimentCommandOptions &o) {
  experiment::ExperimentConfig c =
      experiment::read_experiment_config(o.config, cost_model::cost_model_names());
  check_config(c);
  experiment::ExperimentOptions eo{o.out_dir, o.discard_invalidated, !o.no_compare, o.pack, o.adopt,
                                   o.markdown};
  if (o.plan)
    experiment::print_plan(c, eo, std::cout);
  else
    experiment::run_experiment(c, eo, launch, std::cout);
  return 0;
}

}  // namespace worldtune::cli
