/// \file Measurement result helpers.
#include "worldtune/measure_result.h"

namespace worldtune {

const char *error_code_name(MeasureErrorCode code) {
  switch (code) {
    case MeasureErrorCode::NoError:
      return "NoError";
    case MeasureErrorCode::Instantiation:
      return "InstantiationError";
    case MeasureErrorCode::CompileHost:
      return "CompileHostError";
    case MeasureErrorCode::CompileDevice:
      return "CompileDeviceError";
    case MeasureErrorCode::RuntimeDevice:
      return "RuntimeDeviceError";
    case MeasureErrorCode::WrongAnswer:
      return "WrongAnswer";
    case MeasureErrorCode::BuildTimeout:
      return "BuildTimeoutError";
    case MeasureErrorCode::RunTimeout:
      return "RunTimeoutError";
    case MeasureErrorCode::Unknown:
      return "UnknownError";
  }
  return "UnknownError";
}

double MeasureResult::mean_cost() const {
  if (costs.empty()) return kFailedCost;
  double s = 0;
  for (double c : costs) s += c;
  return s / static_cast<double>(costs.size());
}

}  // namespace worldtune
