/// \file The tuning record: one JSON line per measurement, append-only, versioned. It is the
/// dataset of the cost models and the log that tuning resumes from. Format: docs/file_formats.md.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "worldtune/measure_result.h"
#include "worldtune/records_lock.h"

namespace worldtune {

/// The record format this build reads and writes; other versions are refused.
inline constexpr const char *kRecordVersion = "worldtune-record-1";

struct MeasureRecord {
  std::string workload;  ///< canonical workload key
  std::string target;    ///< Halide target string
  /// Who measured it: CPU model, vendor, family/model, cores, target (support/machine.h); null in
  /// records older than the field.
  nlohmann::json machine;
  nlohmann::json hardware;  ///< Ansor's 8 hardware parameters
  nlohmann::json steps;     ///< transform steps, Ansor's encoding
  MeasureResult result;
  nlohmann::json measure;  ///< how it was measured: number, repeat, min_repeat_ms, ...
  uint64_t seed = 0;       ///< search seed that produced the schedule
  std::string tuner_version;
  /// "" for a tuned schedule (`steps`); else the baseline measured instead, e.g. "onednn" (its
  /// `steps` are empty). Readers looking for the best schedule skip baselines.
  std::string method;

  bool is_baseline() const { return !method.empty(); }
  /// The (machine) half of the group labels are normalized in.
  std::string machine_key() const;
};

nlohmann::json record_to_json(const MeasureRecord &r);
/// Throws UserError(BadRecord) naming the bad field or the version mismatch.
MeasureRecord record_from_json(const nlohmann::json &j);

/// Reads every record of a file. Malformed lines raise UserError(BadRecord) with file:line; a
/// truncated last line (a kill mid-write) is skipped with a warning on stderr.
std::vector<MeasureRecord> read_records(const std::string &path);

/// Appends records with one write per line and flushes, so a kill leaves a valid file. Only one
/// writer at a time: it holds the RecordsLock while it lives. Opening repairs a last line cut
/// short by a kill; a last line that is JSON but no record is refused, never removed.
class RecordWriter {
 public:
  explicit RecordWriter(const std::string &path);
  /// With the lock already held (a tuner reads the records under it before it writes).
  RecordWriter(const std::string &path, RecordsLock lock);
  ~RecordWriter();
  RecordWriter(const RecordWriter &) = delete;
  RecordWriter &operator=(const RecordWriter &) = delete;
  void append(const MeasureRecord &r);

 private:
  RecordsLock lock_;
  int fd_ = -1;
  std::string path_;
};

}  // namespace worldtune
