/// \file JSON files worldtune writes whole and reads back before it continues a job: the run
/// settings of `tune`, the settings of a `dataset` folder, model files. Written through a
/// temporary file and a rename, so a kill never leaves half a file; settings files are compared
/// key by key, so a refused resume names the setting that changed.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace worldtune {

/// Writes `j` (dumped with `indent`, -1 for one line) to `path` through `path.tmp` and a rename;
/// an Io error naming the path when it cannot.
void write_json_file(const std::string &path, const nlohmann::json &j, int indent = -1);

/// Reads the settings file `path`: a JSON object whose "format" is `format`, else a BadRecord
/// error naming the path and the format expected.
nlohmann::json read_settings_file(const std::string &path, const std::string &format);

/// "name=value" (strings unquoted) for one entry of a JSON object of options, the form
/// `--model-option` takes.
std::string option_assignment(const std::string &name, const nlohmann::json &value);

/// A setting whose recorded value (`was`, null when the file lacks it) differs from this run's.
struct SettingChange {
  std::string key;
  nlohmann::json was, now;
};

/// The first key of `now` whose value differs from the one in `was`, or nothing when all match.
/// A key that `was` lacks matches a value left empty or off (null, "", 0, false, [] or {}):
/// settings added later keep old files resumable.
std::optional<SettingChange> changed_setting(const nlohmann::json &was, const nlohmann::json &now);

/// What a run's settings record of a file it reads whole (the weights a model starts from):
/// "fnv1a64:" and the 64-bit FNV-1a hash of its bytes in hex, so that a file replaced under the
/// same name is a changed setting. An Io error naming the path when it cannot be read.
std::string file_digest(const std::string &path);

}  // namespace worldtune
