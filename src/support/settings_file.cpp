/// \file Writing, reading and comparing whole JSON files (see settings_file.h).
#include "support/settings_file.h"

#include <cstdio>
#include <fstream>
#include <vector>

#include "worldtune/error.h"

namespace worldtune {

void write_json_file(const std::string &path, const nlohmann::json &j, int indent) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    WT_USER_CHECK(out.good(), Io, "cannot write " << path);
    out << j.dump(indent) << "\n";
    WT_USER_CHECK(out.good(), Io, "cannot write " << path);
  }
  WT_USER_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, Io, "cannot write " << path);
}

nlohmann::json read_settings_file(const std::string &path, const std::string &format) {
  std::ifstream in(path);
  WT_USER_CHECK(in.good(), Io, "cannot open " << path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  WT_USER_CHECK(!j.is_discarded() && j.is_object() && j.contains("format") && j["format"] == format,
                BadRecord, path << " is not a " << format << " settings file");
  return j;
}

std::string option_assignment(const std::string &name, const nlohmann::json &value) {
  return name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
}

namespace {

/// null, "", 0, false, [] or {}: what a setting added later holds when it is off.
bool left_empty(const nlohmann::json &value) {
  if (value.is_string()) return value.get_ref<const std::string &>().empty();
  if (value.is_number()) return value.get<double>() == 0;
  if (value.is_boolean()) return !value.get<bool>();
  return value.empty();
}

}  // namespace

std::optional<SettingChange> changed_setting(const nlohmann::json &was, const nlohmann::json &now) {
  for (const auto &[key, value] : now.items()) {
    if (!was.contains(key)) {
      if (left_empty(value)) continue;
      return SettingChange{key, nullptr, value};
    }
    if (was[key] != value) return SettingChange{key, was[key], value};
  }
  return std::nullopt;
}

std::string file_digest(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  WT_USER_CHECK(in.good(), Io, "cannot open " << path);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a's offset basis and prime
  std::vector<char> chunk(1 << 16);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<unsigned char>(chunk[static_cast<size_t>(i)]);
      hash *= 1099511628211ull;
    }
  }
  WT_USER_CHECK(in.eof(), Io, "cannot read " << path);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string("fnv1a64:") + hex;
}

}  // namespace worldtune
