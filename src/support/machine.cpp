/// \file Reading the host's CPU description and naming machine groups.
#include "support/machine.h"

#include <sched.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/strings.h"

namespace worldtune {

namespace {

int to_int(const std::string &s) {
  try {
    return std::stoi(s);
  } catch (const std::exception &) {
    return -1;
  }
}

/// "48K", "1280K", "32M", "512" -> bytes; 0 when unreadable.
int64_t size_bytes(const std::string &text) {
  std::string s = trim(text);
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return 0;
  size_t used = 0;
  int64_t n = std::stoll(s, &used);
  std::string unit = s.substr(used);
  if (unit == "K") return n << 10;
  if (unit == "M") return n << 20;
  if (unit == "G") return n << 30;
  return unit.empty() ? n : 0;
}

std::string read_line(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return trim(line);
}

int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

MachineInfo parse_cpuinfo(const std::string &text) {
  MachineInfo m;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line).empty()) {
      if (!m.cpu.empty()) break;  // end of the first processor's block
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "model name") m.cpu = value;
    if (key == "vendor_id") m.vendor = value;
    if (key == "cpu family") m.family = to_int(value);
    if (key == "model") m.model = to_int(value);
  }
  return m;
}

void read_cache_sizes(const std::string &sysfs_cache_dir, MachineInfo &m) {
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(sysfs_cache_dir, ec)) {
    if (entry.path().filename().string().rfind("index", 0) != 0) continue;
    std::string type = read_line(entry.path() / "type");
    if (type != "Data" && type != "Unified") continue;
    int level = to_int(read_line(entry.path() / "level"));
    int64_t bytes = size_bytes(read_line(entry.path() / "size"));
    if (level == 1) m.l1d_bytes = bytes;
    if (level == 2) m.l2_bytes = bytes;
    if (level == 3) m.l3_bytes = bytes;
  }
}

const MachineInfo &host_machine() {
  static const MachineInfo m = [] {
    std::ifstream in("/proc/cpuinfo");
    std::stringstream text;
    text << in.rdbuf();
    MachineInfo info = parse_cpuinfo(text.str());
    if (info.cpu.empty()) info.cpu = "unknown CPU";
    info.cores = usable_cores();
    read_cache_sizes("/sys/devices/system/cpu/cpu0/cache", info);
    return info;
  }();
  return m;
}

nlohmann::json machine_json(const MachineInfo &m, const std::string &target) {
  nlohmann::json j = {{"cpu", m.cpu},     {"vendor", m.vendor}, {"family", m.family},
                      {"model", m.model}, {"cores", m.cores},   {"target", target}};
  if (m.l1d_bytes > 0 || m.l2_bytes > 0 || m.l3_bytes > 0)
    j["caches"] = {{"l1d", m.l1d_bytes}, {"l2", m.l2_bytes}, {"l3", m.l3_bytes}};
  return j;
}

std::string machine_key(const nlohmann::json &machine, const std::string &target) {
  if (!machine.is_object() || machine.empty()) return "unknown machine | " + target;
  auto get = [&](const char *k) {
    return machine.contains(k)
               ? (machine[k].is_string() ? machine[k].get<std::string>() : machine[k].dump())
               : std::string("?");
  };
  return get("cpu") + " | family " + get("family") + " model " + get("model") + " | " +
         get("cores") + " cores | " + target;
}

}  // namespace worldtune
