/// \file Exporting the best schedule.
#include "deploy/exporter.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "deploy/example_source.h"
#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::deploy {

namespace {

/// Longest kernel name: its files (`<name>_reference.h`, ...) must fit a 255-byte file name.
constexpr size_t kMaxNameLength = 200;

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

/// C and C++ keywords (alternative tokens included): the kernel is a C function in a C++ example.
const std::set<std::string> &keywords() {
  static const std::set<std::string> k = [] {
    std::vector<std::string> words = split_string(
        "alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t "
        "char16_t char32_t class compl concept const consteval constexpr constinit const_cast "
        "continue co_await co_return co_yield decltype default delete do double dynamic_cast "
        "else enum explicit export extern false float for friend goto if inline int long mutable "
        "namespace new noexcept not not_eq nullptr operator or or_eq private protected public "
        "register reinterpret_cast requires restrict return short signed sizeof static "
        "static_assert static_cast struct switch template this thread_local throw true try "
        "typedef typeid typename typeof union unsigned using virtual void volatile wchar_t while "
        "xor xor_eq NULL EOF",
        ' ');
    return std::set<std::string>(words.begin(), words.end());
  }();
  return k;
}

}  // namespace

std::string c_name_problem(const std::string &name) {
  bool identifier = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name)
    identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!identifier)
    return "it is not a C identifier (letters, digits and _, not starting with a digit)";
  if (name.size() > kMaxNameLength)
    return "it is longer than " + std::to_string(kMaxNameLength) + " characters";
  if (keywords().count(name)) return "it is a C/C++ keyword";
  // At global scope, where the kernel lives, every name starting with _ is reserved.
  if (name[0] == '_' || name.find("__") != std::string::npos)
    return "names starting with _ or holding __ are reserved for the compiler";
  if (name.rfind("halide_", 0) == 0) return "names starting with halide_ are the Halide runtime's";
  return "";
}

void check_out_folder(const std::string &out_dir, bool force) {
  std::error_code ec;
  if (!std::filesystem::exists(out_dir, ec)) return;
  WT_USER_CHECK(std::filesystem::is_directory(out_dir, ec), Io,
                "--out '" << out_dir << "' exists and is not a folder");
  bool empty =
      std::filesystem::directory_iterator(out_dir, ec) == std::filesystem::directory_iterator();
  WT_USER_CHECK(empty || force, BadArgument,
                "--out '" << out_dir
                          << "' is not empty and would have files overwritten; pass --force to "
                             "write into it anyway, or choose an empty folder");
}

namespace {

/// Why `name` cannot name the exported kernel, or "" when it can.
std::string name_problem(const std::string &name, const ir::ComputeDAG &dag) {
  if (std::string problem = c_name_problem(name); !problem.empty()) return problem;
  for (const std::string &id : example_identifiers(dag))
    if (id == name || id == name + "_reference")
      return "the exported example uses '" + id + "' itself";
  return "";
}

/// Refuses what would overwrite the user's files or export a library that cannot be built, before
/// anything is read or compiled.
void check_export_destination(const ExportOptions &options, const std::string &name,
                              const ir::ComputeDAG &dag) {
  std::string problem = name_problem(name, dag);
  WT_USER_CHECK(problem.empty(), BadArgument,
                "--name '" << quote_cut(name) << "' cannot name the kernel: " << problem);
  check_out_folder(options.out_dir, options.force);
}

}  // namespace

ExportResult export_best(const ExportOptions &options) {
  ExportResult result;
  ir::Workload workload = ir::parse_workload(options.workload);
  result.name =
      options.name.empty() ? schedule::sanitize_identifier(workload.op_name) : options.name;
  check_export_destination(options, result.name, *workload.dag);
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
