/// \file Hostile input to the worldtune binary, as data: each row is a command line, the exit code
/// it must end with and a piece of what it must print. Every row is refused (or done) within
/// seconds; none may destroy a file, spin, eat memory or echo a huge input back whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "cli_test_util.h"
#include "halide/halide_backend.h"
#include "measure_test_util.h"

namespace worldtune {
namespace {

struct Row {
  const char *name;      ///< the test's name
  const char *args;      ///< {dir}: a scratch folder holding the files below; {big}: 100000 9s
  int exit_code;         ///< what the binary must exit with
  const char *expected;  ///< a piece of its output
};

/// A valid record of matmul:M=8,N=8,K=8 for this host (an export of it succeeds) in which `field`
/// (JSON text) replaces `key`'s value.
std::string record_line(const std::string &key = "", const std::string &field = "") {
  std::map<std::string, std::string> f = {
      {"v", "\"worldtune-record-1\""},
      {"workload", "\"matmul:M=8,N=8,K=8\""},
      {"target", "\"" + halide_backend::canonical_target_string("host") + "\""},
      {"hardware", "[2,64,64,0,0,0,0,0]"},
      {"steps", "[]"},
      {"costs", "[0.001]"},
      {"error_code", "0"},
      {"seed", "0"}};
  if (!key.empty()) f[key] = field;
  std::string line = "{";
  for (const auto &[k, v] : f) line += (line.size() > 1 ? ",\"" : "\"") + k + "\":" + v;
  return line + "}\n";
}

const std::string kBig(100000, '9');

/// The files rows may name under {dir}, made only for the rows that name them.
const std::map<std::string, std::function<std::string()>> &fixtures() {
  static const std::map<std::string, std::function<std::string()>> f = {
      {"good.jsonl", [] { return record_line(); }},
      {"neg_cost.jsonl", [] { return record_line("costs", "[-1]"); }},
      {"zero_cost.jsonl", [] { return record_line("costs", "[0.001, 0]"); }},
      {"bad_key.jsonl", [] { return record_line() + record_line("workload", "\"matmul:M=0\""); }},
      {"bad_steps.jsonl", [] { return record_line("steps", "[[\"XX\", 1]]"); }},
      {"bad_replay.jsonl", [] { return record_line("steps", "[[\"AN\", 9, 0, 2]]"); }},
      {"big_step.jsonl", [] { return record_line("steps", "[[\"SP\", \"" + kBig + "\"]]"); }},
      {"big_version.jsonl", [] { return record_line("v", "\"" + kBig + "\""); }},
      {"long.jsonl", [] { return std::string((size_t{1} << 20) + 1, 'x') + "\n"; }},
  };
  return f;
}

std::string replace_all(std::string s, const std::string &from, const std::string &to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

/// Makes the fixture files and folders args names under dir.
void make_fixtures(const std::string &args, const std::string &dir) {
  for (const auto &[name, content] : fixtures())
    if (args.find("{dir}/" + name) != std::string::npos)
      std::ofstream(dir + "/" + name) << content();
  std::filesystem::create_directories(dir + "/empty");
  std::filesystem::create_directories(dir + "/full");
  std::ofstream(dir + "/full/notes.txt") << "the user's own file\n";
}

/// Flags tune and export rows share: a tiny workload, two trials, a record to export.
const std::map<std::string, std::string> kCommonFlags = {
    {"tune",
     "--workload matmul:M=8,N=8,K=8 --trials 2 --per-round 2 --cost-model random "
     "--min-repeat-ms 1"},
    {"export", "--records {dir}/good.jsonl --workload matmul:M=8,N=8,K=8"}};

// clang-format off
const Row kRows[] = {
    // Outputs that would destroy the records (issue 8, item 5).
    {"SaveModelOverRecords", "tune --save-model {dir}/r.jsonl --records {dir}/r.jsonl", 2,
     "--save-model and --records name the same file"},
    {"LogOverRecordsViaDot", "tune --log {dir}/./r.jsonl --records {dir}/r.jsonl", 2,
     "--log and --records name the same file"},
    {"LogOverRunSettings", "tune --log {dir}/r.jsonl.run.json --records {dir}/r.jsonl", 2,
     "--log and the run settings of --records"},
    {"SaveModelOverLock", "tune --save-model {dir}/r.jsonl.lock --records {dir}/r.jsonl", 2,
     "--save-model and the lock of --records"},
    {"SaveModelOverLog", "tune --save-model {dir}/m --log {dir}/m --records {dir}/r.jsonl", 2,
     "--save-model and --log name the same file"},
    {"SaveModelOverDefaultLog", "tune --save-model {dir}/r.jsonl.log --records {dir}/r.jsonl", 2,
     "--save-model and --log (default: <records>.log)"},
    {"ExportIntoAFolderWithFiles", "export --out {dir}/full", 2, "pass --force"},
    {"ExportIntoAnEmptyFolderPassesTheFolderCheck",
     "export --workload matmul:M=8,N=8,K=8 --records {dir}/bad_replay.jsonl --out {dir}/empty",
     2, "bad_replay.jsonl:1:"},
    {"ExportNameMain", "export --out {dir}/new --name main", 2, "--name 'main' cannot"},
    {"ExportNameKeyword", "export --out {dir}/new --name int", 2, "keyword"},
    {"ExportNameReserved", "export --out {dir}/new --name _Kernel", 2, "reserved"},
    {"ExportNameDoubleUnderscore", "export --out {dir}/new --name my__kernel", 2, "reserved"},
    {"ExportNameHalide", "export --out {dir}/new --name halide_kernel", 2, "Halide runtime"},
    {"ExportNameNotAnIdentifier", "export --out {dir}/new --name my-kernel", 2,
     "not a C identifier"},
    {"ExportNameLeadingDigit", "export --out {dir}/new --name 9lives", 2, "not a C identifier"},
    {"ExportNameExampleVariable", "export --out {dir}/new --name in_A", 2,
     "the exported example uses 'in_A'"},
    {"ExportNameExampleHelper", "export --out {dir}/new --name matches", 2,
     "the exported example uses 'matches'"},
    {"ExportNameRuntimeHeader", "export --out {dir}/new --name HalideRuntime", 2,
     "the exported example uses 'HalideRuntime'"},
    // Inputs that spin or mislead (item 6).
    {"ExtentTooLarge", "show --workload matmul:M=99999999999", 2,
     "field 'M' of matmul is out of range: got 99999999999, must be in [1, 2147483647]"},
    {"ExtentBeyondInt64", "show --workload matmul:M=1000000000000000000000", 2, "out of range"},
    {"TensorTooLarge", "show --workload matmul:M=65536,N=65536,K=1", 2,
     "tensor C would have more than 2147483647 elements"},
    {"LargestTensorIsAccepted", "show --workload matmul:M=32768,N=32768,K=1", 0,
     "Workload: matmul:M=32768,N=32768,K=1"},
    {"ParamRangeIsListed", "workloads", 0, "(default 1024, range 1..2147483647)"},
    {"OutputExtentZero", "show --workload conv2d_transpose_nhwc:H=1,W=1,K=2,P=1", 2,
     "conv2d_transpose_nhwc:N=1,H=1,W=1,CI=512,CO=256,K=2,S=2,P=1: axis 'h' of "
     "conv2d_transpose would have extent 0"},
    {"FlagAboveOne", "show --workload dense:BIAS=2", 2,
     "field 'BIAS' of dense is out of range: got 2, must be in [0, 1]"},
    {"FlagRangeIsListed", "workloads", 0, "add a bias (0/1) (default 0, range 0..1)"},
    {"NegativeSeed", "show --seed -1 --workload matmul:M=8,N=8,K=8", 2,
     "--seed: must be a whole number in [0, 18446744073709551615], got '-1'"},
    {"InputSeedBeyondUint64",
     "measure --workload matmul:M=8,N=8,K=8 --input-seed 99999999999999999999", 2,
     "--input-seed: must be a whole number in [0, 18446744073709551615]"},
    {"TimeoutNaN", "measure --workload matmul:M=8,N=8,K=8 --build-timeout nan", 2,
     "--build-timeout: must be a finite number of seconds > 0, got 'nan'"},
    {"TimeoutInfinite", "measure --workload matmul:M=8,N=8,K=8 --run-timeout inf", 2,
     "--run-timeout: must be a finite number of seconds > 0"},
    {"ZeroTrials", "tune --workload matmul:M=8,N=8,K=8 --records {dir}/r.jsonl --trials 0", 2,
     "--trials: must be a whole number >= 1, got '0'"},
    {"MemoryCapZero", "measure --workload matmul:M=8,N=8,K=8 --memory-cap 0", 2,
     "--memory-cap: must be a finite number of GiB > 0, got '0'"},
    {"FractionalRepeats", "measure --workload matmul:M=8,N=8,K=8 --repeat 1.5", 2,
     "--repeat: must be a whole number >= 1"},
    {"UnknownCommand", "bogus --records r.jsonl", 2,
     "unknown command 'bogus'; commands: workloads, show, measure"},
    {"HugeFieldValue", "show --workload matmul:M={big}", 2, "(100000 characters)"},
    {"HugeFieldName", "show --workload matmul:{big}=1", 2, "(100000 characters)"},
    {"HugeOperator", "show --workload {big}", 2, "(100000 characters)"},
    {"HugeRecordField", "best --records {dir}/big_version.jsonl", 2, "(100002 characters)"},
    {"HugeStepField", "best --records {dir}/big_step.jsonl", 2, "characters)"},
    // Records that would poison later commands (item 7).
    {"RecordsWithoutNewlines", "best --records /dev/zero", 2,
     "/dev/zero:1: line longer than 1048576 bytes"},
    {"RecordLineTooLong", "best --records {dir}/long.jsonl", 2,
     "long.jsonl:1: line longer than 1048576 bytes"},
    {"RecordsAreAFolder", "best --records {dir}", 2, "error: io: records file"},
    {"NegativeCost", "best --records {dir}/neg_cost.jsonl", 2,
     "neg_cost.jsonl:1: field 'costs' must hold finite numbers > 0 (seconds), got -1"},
    {"ZeroCost", "best --records {dir}/zero_cost.jsonl", 2, "zero_cost.jsonl:1: field 'costs'"},
    {"BadWorkloadKeyInRecord", "best --records {dir}/bad_key.jsonl", 2,
     "bad_key.jsonl:2: bad workload key: field 'M'"},
    {"StepsThatDoNotDecode", "best --records {dir}/bad_steps.jsonl", 2,
     "bad_steps.jsonl:1: bad steps: unknown step tag 'XX'"},
    {"StepsThatDoNotReplay", "best --records {dir}/bad_replay.jsonl", 2,
     "bad_replay.jsonl:1: its steps do not replay on matmul:M=8,N=8,K=8: step 0 (AN)"},
    {"ResumeFromBadRecords", "tune --resume --records {dir}/neg_cost.jsonl", 2,
     "neg_cost.jsonl:1: field 'costs'"},
    {"ExportFromBadRecords",
     "export --workload matmul:M=8,N=8,K=8 --records {dir}/bad_replay.jsonl --out {dir}/new", 2,
     "bad_replay.jsonl:1: its steps do not replay"},
    {"LogOnAFullDisk",
     "tune --records {dir}/r.jsonl --log /dev/full --build-timeout 0.001", 1,
     "warning: cannot write the error log '/dev/full'"},
};
// clang-format on

/// The row's command line: tune and export rows without a --workload get the common flags first
/// (rows with their own records give their --workload too).
std::string command_of(const Row &row, const std::string &dir) {
  std::string args = row.args;
  std::string command = args.substr(0, args.find(' '));
  if (kCommonFlags.count(command) && args.find("--workload") == std::string::npos)
    args = command + " " + kCommonFlags.at(command) + args.substr(command.size());
  make_fixtures(args, dir);
  return replace_all(replace_all(args, "{dir}", dir), "{big}", kBig);
}

class CliHostile : public ::testing::TestWithParam<Row> {};

/// gtest prints a row as its name, not as bytes.
void PrintTo(const Row &row, std::ostream *os) { *os << row.name; }

TEST_P(CliHostile, IsRefusedClearly) {
  const Row &row = GetParam();
  testing::ScratchDir dir;
  std::string args = command_of(row, dir.path());
  // A regression must fail the row, not hang the suite or exhaust the machine's memory.
  testing::CliRun r = testing::run_command("ulimit -v 4000000; timeout 60 " +
                                           std::string(WORLDTUNE_BIN) + " " + args);
  EXPECT_EQ(r.exit_code, row.exit_code) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find(row.expected), std::string::npos) << r.out.substr(0, 2000);
  if (row.exit_code == 2) {
    EXPECT_LT(r.out.size(), 1000u) << "errors quote input cut short";
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, CliHostile, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row> &info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace worldtune
