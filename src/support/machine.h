/// \file The machine a measurement ran on: CPU model, family/model numbers, core count and cache
/// sizes. Records carry it (with the Halide target) so corpora from several machines can be mixed
/// and told apart; labels are normalized within one (workload, machine) group.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace worldtune {

struct MachineInfo {
  std::string cpu;     ///< /proc/cpuinfo "model name", e.g. "AMD EPYC 9B45"
  std::string vendor;  ///< "AuthenticAMD", "GenuineIntel", ...
  int family = -1;     ///< "cpu family" (-1: unknown)
  int model = -1;      ///< "model" (-1: unknown)
  int cores = 0;       ///< logical CPUs this process may run on
  // Per-core data caches by level, in bytes (0: unknown): what a tile must fit in.
  int64_t l1d_bytes = 0;
  int64_t l2_bytes = 0;
  int64_t l3_bytes = 0;
};

/// The machine this process runs on (read once).
const MachineInfo &host_machine();

/// Parses /proc/cpuinfo text (its first processor block); `cores` is left to the caller.
MachineInfo parse_cpuinfo(const std::string &text);

/// Reads the data and unified cache sizes of one CPU from its sysfs folder
/// (/sys/devices/system/cpu/cpu0/cache: index*/level, type, size such as "48K") into `m`;
/// leaves them 0 where the folder or a file is missing.
void read_cache_sizes(const std::string &sysfs_cache_dir, MachineInfo &m);

/// A record's "machine" field: the MachineInfo and the Halide target measured with; "caches"
/// ({"l1d", "l2", "l3"} bytes) only when some size is known, so older machines read the same.
nlohmann::json machine_json(const MachineInfo &m, const std::string &target);

/// The group a record's label is normalized in, with its workload: same CPU model, family, model,
/// core count and target. Records without a "machine" field (older files) form one group per
/// target, "unknown machine".
std::string machine_key(const nlohmann::json &machine, const std::string &target);

}  // namespace worldtune
