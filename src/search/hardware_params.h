/// \file Ansor's eight hardware parameters, stored with every record, and the host's values.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace worldtune::search {

struct HardwareParams {
  int num_cores = 2;
  int vector_unit_bytes = 64;
  int cache_line_bytes = 64;
  int max_shared_memory_per_block = 0;
  int max_local_memory_per_block = 0;
  int max_threads_per_block = 0;
  int max_vthread_extent = 0;
  int warp_size = 0;

  bool operator==(const HardwareParams &) const = default;
};

/// CPU defaults for this machine: (cores, 64, 64, 0, 0, 0, 0, 0).
HardwareParams host_hardware_params();

/// Ansor's list encoding: [num_cores, vector_unit_bytes, ...].
nlohmann::json to_json(const HardwareParams &hw);
/// Throws UserError(BadRecord) when the list is malformed.
HardwareParams hardware_params_from_json(const nlohmann::json &j);

}  // namespace worldtune::search
