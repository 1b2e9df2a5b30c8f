/// \file Reading the host's CPU description and naming machine groups.
#include "support/machine.h"

#include <sched.h>

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

const MachineInfo &host_machine() {
  static const MachineInfo m = [] {
    std::ifstream in("/proc/cpuinfo");
    std::stringstream text;
    text << in.rdbuf();
    MachineInfo info = parse_cpuinfo(text.str());
    if (info.cpu.empty()) info.cpu = "unknown CPU";
    info.cores = usable_cores();
    return info;
  }();
  return m;
}

nlohmann::json machine_json(const MachineInfo &m, const std::string &target) {
  return {{"cpu", m.cpu},     {"vendor", m.vendor}, {"family", m.family},
          {"model", m.model}, {"cores", m.cores},   {"target", target}};
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
