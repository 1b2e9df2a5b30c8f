/// \file Measurement results. Failures are data: an error code from Ansor's taxonomy plus the
/// message, never an exception across the tuner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace worldtune {

/// Ansor's MeasureErrorNO.
enum class MeasureErrorCode : int {
  NoError = 0,
  Instantiation = 1,  ///< replaying the steps or applying them to Halide failed
  CompileHost = 2,    ///< Halide/LLVM compilation or linking failed
  CompileDevice = 3,  ///< loading the compiled module failed
  RuntimeDevice = 4,  ///< the kernel failed or crashed while running
  WrongAnswer = 5,    ///< the output differs from the reference
  BuildTimeout = 6,
  RunTimeout = 7,
  Unknown = 8,
};

const char *error_code_name(MeasureErrorCode code);

/// Cost recorded for failed measurements (Ansor's 1e10).
inline constexpr double kFailedCost = 1e10;

struct MeasureResult {
  std::vector<double> costs;  ///< seconds per run, one per repeat; {kFailedCost} on failure
  MeasureErrorCode error = MeasureErrorCode::NoError;
  std::string error_msg;
  double build_s = 0;
  double run_s = 0;
  int64_t timestamp = 0;
  bool checked = false;  ///< output compared with the reference and found equal

  bool ok() const { return error == MeasureErrorCode::NoError; }
  double mean_cost() const;
  /// mean_cost() of a success, kFailedCost of a failure: what labels and bests rank by.
  double cost_or_failed() const { return ok() ? mean_cost() : kFailedCost; }
};

}  // namespace worldtune
