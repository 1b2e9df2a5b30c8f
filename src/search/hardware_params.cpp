/// \file Hardware parameters.
#include "search/hardware_params.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::search {

HardwareParams host_hardware_params() {
  HardwareParams hw;
  hw.num_cores = std::max(1u, std::thread::hardware_concurrency());
  return hw;
}

nlohmann::json to_json(const HardwareParams &hw) {
  return {hw.num_cores,
          hw.vector_unit_bytes,
          hw.cache_line_bytes,
          hw.max_shared_memory_per_block,
          hw.max_local_memory_per_block,
          hw.max_threads_per_block,
          hw.max_vthread_extent,
          hw.warp_size};
}

HardwareParams hardware_params_from_json(const nlohmann::json &j) {
  WT_USER_CHECK(j.is_array() && j.size() == 8, BadRecord,
                "hardware params must be a list of 8 integers, got " << quote_cut(j.dump()));
  for (const auto &x : j)
    WT_USER_CHECK(x.is_number_integer(), BadRecord,
                  "hardware params must be integers, got " << quote_cut(j.dump()));
  HardwareParams hw;
  hw.num_cores = j[0];
  hw.vector_unit_bytes = j[1];
  hw.cache_line_bytes = j[2];
  hw.max_shared_memory_per_block = j[3];
  hw.max_local_memory_per_block = j[4];
  hw.max_threads_per_block = j[5];
  hw.max_vthread_extent = j[6];
  hw.warp_size = j[7];
  return hw;
}

}  // namespace worldtune::search
