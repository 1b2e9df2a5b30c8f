/// \file Every knob of building and running candidates, with Ansor's defaults.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace worldtune::measure {

enum class CheckPolicy { None, NewBest, All };

struct MeasureOptions {
  std::string target = "host";  ///< Halide target string
  std::string work_dir;         ///< build artifacts and reference outputs (default: a temp dir)
  double build_timeout_s = 15;  ///< per candidate
  int build_parallel = 0;       ///< parallel build processes (0: number of cores)
  double run_timeout_s = 10;    ///< per candidate run (warm-up, timing and check)
  int number = 3;               ///< runs per repeat (grows to reach min_repeat_ms)
  int repeat = 1;               ///< repeats, each giving one cost
  int min_repeat_ms = 100;
  bool cache_flush = false;  ///< flush caches before each run (forces number=1, min_repeat_ms=0)
  int threads = 0;           ///< Halide threads while timing (0: number of cores)
  CheckPolicy check = CheckPolicy::NewBest;
  uint64_t input_seed = 1;  ///< random inputs
  bool keep_artifacts = false;
  /// Address-space cap of each build or run worker in GiB (0: 90% of RAM shared by the parallel
  /// builds, all of it for the one run at a time). Going over it is a build or run error that
  /// says so.
  double memory_cap_gib = 0;

  /// 0 for the default; else at least 64 MiB and at most 2^50 bytes (a double past int64 would
  /// wrap).
  int64_t memory_cap_bytes() const {
    if (!(memory_cap_gib > 0)) return 0;
    return static_cast<int64_t>(std::clamp(memory_cap_gib, 1.0 / 16, double(1 << 20)) * (1 << 30));
  }
};

}  // namespace worldtune::measure
