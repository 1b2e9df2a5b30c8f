/// \file Exporting the best schedule.
#include "deploy/exporter.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "deploy/example_source.h"
#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "worldtune/error.h"

namespace worldtune::deploy {

namespace {

void write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  WT_USER_CHECK(out.good(), Io, "cannot write '" << path << "'");
}

void compile_library(const schedule::HalideProgram &program, const halide_backend::LibraryFiles &f,
                     const std::string &fn_name, const std::string &target, bool with_runtime) {
  halide_backend::CompileOutcome o =
      halide_backend::compile_to_library(program, f, fn_name, target, with_runtime);
  WT_USER_CHECK(o.failed == halide_backend::FailedPhase::None, BadSchedule,
                "cannot compile '" << fn_name << "' for target '" << target << "': " << o.message);
}

}  // namespace

ExportResult export_best(const ExportOptions &options) {
  ExportResult result;
  result.records = workload_records(options.records, options.workload);
  const WorkloadRecords &w = result.records;
  WT_USER_CHECK(w.best.has_value(), BadRecord,
                "none of the " << w.trials << " records of workload '" << w.workload << "' in '"
                               << options.records << "' succeeded: there is nothing to export");
  const MeasureRecord &best = *w.best;
  std::string target = halide_backend::canonical_target_string(options.target);
  WT_USER_CHECK(best.target == target, BadTarget,
                "the best record of '"
                    << w.workload << "' was measured for target '" << best.target << "', not for '"
                    << target << "' ("
                    << (options.target == "host" ? "this host" : "the requested target")
                    << "); export it on such a machine or pass --target " << best.target);
  ir::Workload workload = ir::parse_workload(w.workload);
  result.name = options.name.empty() ? schedule::sanitize_identifier(workload.op_name)
                                     : schedule::sanitize_identifier(options.name);
  const std::string &name = result.name;
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  WT_USER_CHECK(!ec, Io, "cannot create '" << options.out_dir << "': " << ec.message());
  auto path = [&](const std::string &file) {
    result.files.push_back(options.out_dir + "/" + file);
    return result.files.back();
  };

  schedule::HalideProgram program = record_program(best);
  compile_library(program, {path(name + ".a"), path(name + ".h"), path(name + ".stmt")}, name,
                  target, true);
  // The reference links next to the kernel, whose runtime it shares.
  compile_library(schedule::naive_halide_program(workload.dag),
                  {path(name + "_reference.a"), path(name + "_reference.h"), ""},
                  name + "_reference", target, false);
  char summary[160];
  std::snprintf(summary, sizeof summary, "%.4f ms, %.2f GFLOP/s, trial %d of %d",
                best.result.mean_cost() * 1e3,
                workload.dag->flop_count() / best.result.mean_cost() / 1e9, w.best_trial, w.trials);
  write_file(path(name + "_schedule.cpp"),
             schedule::print_halide_cpp(program, name,
                                        "worldtune schedule for " + w.workload + " (" + summary +
                                            ", target " + target + ")"));
  std::filesystem::copy_file(halide_backend::runtime_include_dir() + "/HalideRuntime.h",
                             path("HalideRuntime.h"),
                             std::filesystem::copy_options::overwrite_existing, ec);
  WT_USER_CHECK(!ec, Io,
                "cannot copy HalideRuntime.h into '" << options.out_dir << "': " << ec.message());
  write_file(path(name + "_example.cpp"), example_source(*workload.dag, name, w.workload));
  std::string script = path("build.sh");
  write_file(script, example_build_script(name));
  std::filesystem::permissions(script, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add, ec);
  return result;
}

}  // namespace worldtune::deploy
