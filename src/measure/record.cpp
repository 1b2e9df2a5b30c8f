/// \file Record encoding, reading and kill-safe appending.
#include "worldtune/record.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "ir/workload.h"
#include "measure/record_input.h"
#include "schedule/state.h"
#include "schedule/transform_step.h"
#include "support/machine.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune {

using nlohmann::json;

json record_to_json(const MeasureRecord &r) {
  json j;
  j["v"] = kRecordVersion;
  j["workload"] = r.workload;
  j["target"] = r.target;
  if (!r.machine.is_null()) j["machine"] = r.machine;  // absent in older files, which still read
  j["hardware"] = r.hardware;
  j["steps"] = r.steps;
  j["costs"] = r.result.costs;
  j["error_code"] = static_cast<int>(r.result.error);
  j["error"] = error_code_name(r.result.error);
  j["error_msg"] = r.result.error_msg;
  j["build_s"] = r.result.build_s;
  j["run_s"] = r.result.run_s;
  j["timestamp"] = r.result.timestamp;
  j["checked"] = r.result.checked;
  j["measure"] = r.measure.is_null() ? json::object() : r.measure;
  j["seed"] = r.seed;
  j["tuner"] = r.tuner_version;
  if (r.is_baseline()) j["method"] = r.method;  // absent for tuned schedules: older files read
  return j;
}

std::string MeasureRecord::machine_key() const { return worldtune::machine_key(machine, target); }

namespace {

const json &field(const json &j, const char *name) {
  WT_USER_CHECK(j.contains(name), BadRecord, "missing field '" << name << "'");
  return j.at(name);
}

}  // namespace

MeasureRecord record_from_json(const json &j) {
  WT_USER_CHECK(j.is_object(), BadRecord, "a record must be a JSON object");
  const json &v = field(j, "v");
  WT_USER_CHECK(v.is_string() && v.get<std::string>() == kRecordVersion, BadRecord,
                "record format " << quote_cut(v.dump()) << " is not '" << kRecordVersion
                                 << "', the one this worldtune reads");
  MeasureRecord r;
  const json &w = field(j, "workload");
  WT_USER_CHECK(w.is_string(), BadRecord, "field 'workload' must be a string");
  r.workload = w.get<std::string>();
  const json &t = field(j, "target");
  WT_USER_CHECK(t.is_string(), BadRecord, "field 'target' must be a string");
  r.target = t.get<std::string>();
  if (j.contains("machine")) {
    r.machine = j["machine"];
    WT_USER_CHECK(r.machine.is_object(), BadRecord, "field 'machine' must be an object");
  }
  r.hardware = field(j, "hardware");
  r.steps = field(j, "steps");
  WT_USER_CHECK(r.steps.is_array(), BadRecord, "field 'steps' must be a list");
  const json &costs = field(j, "costs");
  WT_USER_CHECK(costs.is_array() && !costs.empty(), BadRecord,
                "field 'costs' must be a non-empty list");
  for (const json &c : costs) {
    // Seconds; a failed measurement holds kFailedCost. Anything else would win every comparison.
    WT_USER_CHECK(
        c.is_number() && std::isfinite(c.get<double>()) && c.get<double>() > 0, BadRecord,
        "field 'costs' must hold finite numbers > 0 (seconds), got " << quote_cut(c.dump()));
    r.result.costs.push_back(c.get<double>());
  }
  const json &code = field(j, "error_code");
  WT_USER_CHECK(code.is_number_integer() && code.get<int>() >= 0 && code.get<int>() <= 8, BadRecord,
                "field 'error_code' must be an integer in [0, 8]");
  r.result.error = static_cast<MeasureErrorCode>(code.get<int>());
  r.result.error_msg = j.value("error_msg", "");
  r.result.build_s = j.value("build_s", 0.0);
  r.result.run_s = j.value("run_s", 0.0);
  r.result.timestamp = j.value("timestamp", int64_t{0});
  r.result.checked = j.value("checked", false);
  r.measure = j.value("measure", json::object());
  r.seed = j.value("seed", uint64_t{0});
  r.tuner_version = j.value("tuner", "");
  if (j.contains("method")) {
    WT_USER_CHECK(j["method"].is_string(), BadRecord, "field 'method' must be a string");
    r.method = j["method"].get<std::string>();
  }
  return r;
}

namespace {

/// Longest line read_records accepts: a record is a few KB; a file without newlines (/dev/zero,
/// a binary) must not be read into memory whole.
constexpr size_t kMaxRecordLine = size_t{1} << 20;

/// Reads the next line (without its newline) into `line`; false at the end of the file.
/// `terminated` says whether the line ended with a newline.
bool next_line(std::streambuf &in, std::string &line, bool &terminated, const std::string &where) {
  line.clear();
  for (int c = in.sbumpc(); c != std::char_traits<char>::eof(); c = in.sbumpc()) {
    if (c == '\n') return terminated = true;
    WT_USER_CHECK(line.size() < kMaxRecordLine, BadRecord,
                  where << ": line longer than " << kMaxRecordLine
                        << " bytes; a record is a few KB: is this a records file?");
    line.push_back(static_cast<char>(c));
  }
  terminated = false;
  return !line.empty();
}

/// fn(), its UserError turned into a BadRecord error that says which part of the record it is
/// about.
template <typename Fn>
auto in_context(const std::string &context, Fn fn) {
  try {
    return fn();
  } catch (const UserError &e) {
    throw UserError(ErrorKind::BadRecord, context + ": " + e.what());
  }
}

/// Checks what record_from_json cannot see alone: the workload key and, for tuned records, that
/// the steps decode and replay on its DAG. Parsed workloads are kept: a file parses each once.
class RecordChecker {
 public:
  void check(const MeasureRecord &r) {
    auto it = dags_.find(r.workload);
    if (it == dags_.end()) {
      auto dag = in_context("bad workload key", [&] { return ir::parse_workload(r.workload).dag; });
      it = dags_.emplace(r.workload, dag).first;
    }
    if (r.is_baseline()) return;
    auto steps = in_context("bad steps", [&] { return schedule::steps_from_json(r.steps); });
    in_context("its steps do not replay on " + r.workload,
               [&] { return schedule::State::replay(it->second, steps); });
  }

 private:
  std::map<std::string, std::shared_ptr<const ir::ComputeDAG>> dags_;
};

}  // namespace

std::vector<MeasureRecord> read_records(const std::string &path) {
  std::error_code ec;
  WT_USER_CHECK(!std::filesystem::is_directory(path, ec), Io,
                "records file '" << path << "' is a folder, not a file");
  std::unique_ptr<std::streambuf> in = measure::open_record_input(path);
  std::vector<MeasureRecord> out;
  RecordChecker checker;
  std::string line;
  bool terminated = true;
  for (int line_no = 1; next_line(*in, line, terminated, path + ":" + std::to_string(line_no));
       ++line_no) {
    if (line.empty() || line[0] == '#' || line[0] == ' ') continue;
    try {
      json j = json::parse(line, nullptr, terminated);
      if (j.is_discarded()) {  // only an unterminated last line parses without exceptions
        std::fprintf(stderr, "warning: %s:%d: skipping a truncated last record\n", path.c_str(),
                     line_no);
        break;
      }
      out.push_back(record_from_json(j));
      checker.check(out.back());
    } catch (const std::exception &e) {
      throw UserError(ErrorKind::BadRecord,
                      path + ":" + std::to_string(line_no) + ": " + quote_cut(e.what(), 2000));
    }
  }
  return out;
}

namespace {

/// Makes the file end at a line boundary: a last line without its newline is a write cut short by
/// a kill (not JSON: removed, it never was a record) or a record written by hand (kept, newline
/// added). A last line that is JSON but no valid record is refused, never removed.
void repair_tail(int fd, const std::string &path) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return;
  off_t from = std::max<off_t>(0, size - static_cast<off_t>(kMaxRecordLine) - 1);
  std::string tail(static_cast<size_t>(size - from), '\0');
  std::ifstream in(path, std::ios::binary);
  in.seekg(from);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  if (!in || tail.back() == '\n') return;
  size_t nl = tail.rfind('\n');
  size_t keep = nl == std::string::npos ? 0 : nl + 1;
  json j = json::parse(tail.substr(keep), nullptr, false);
  if (!j.is_discarded()) {
    try {
      record_from_json(j);
    } catch (const UserError &e) {
      throw UserError(ErrorKind::BadRecord, path + ": the last line is not a record (" + e.what() +
                                                "); fix or remove it");
    }
    WT_USER_CHECK(::write(fd, "\n", 1) == 1, Io, "cannot append to '" << path << "'");
    return;
  }
  std::fprintf(stderr, "warning: %s: removing a truncated last record (%zu bytes)\n", path.c_str(),
               tail.size() - keep);
  WT_USER_CHECK(::ftruncate(fd, from + static_cast<off_t>(keep)) == 0, Io,
                "cannot repair '" << path << "': " << std::strerror(errno));
}

}  // namespace

RecordWriter::RecordWriter(const std::string &path) : RecordWriter(path, RecordsLock(path)) {}

RecordWriter::RecordWriter(const std::string &path, RecordsLock lock)
    : lock_(std::move(lock)), path_(path) {
  WT_USER_CHECK(!measure::is_xz_file(path), BadArgument,
                "records file '" << path
                                 << "' is xz-compressed: records are appended to plain "
                                    "files (give another --records file, or unxz it)");
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  WT_USER_CHECK(
      fd_ >= 0, Io,
      "cannot open records file '" << path << "' for appending: " << std::strerror(errno));
  repair_tail(fd_, path);
}

RecordWriter::~RecordWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordWriter::append(const MeasureRecord &r) {
  std::string line = record_to_json(r).dump() + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    WT_USER_CHECK(n > 0, Io, "cannot append to '" << path_ << "': " << std::strerror(errno));
    off += static_cast<size_t>(n);
  }
  ::fsync(fd_);
}

}  // namespace worldtune
