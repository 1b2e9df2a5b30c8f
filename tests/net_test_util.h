/// \file Helpers of the whole-network tests: the small ONNX networks CMake makes, and catching a
/// UserError to look at its kind and message.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "worldtune/error.h"

namespace worldtune::testing {

/// build/tests/networks/NAME.onnx (scripts/make_onnx_models.py, CMake target test_networks).
inline std::string network(const std::string &name, const std::string &suffix = ".onnx") {
  return std::string(WORLDTUNE_TEST_NETWORKS) + "/" + name + suffix;
}

/// The UserError `f` throws ("" with kind Io when it throws none).
inline std::pair<ErrorKind, std::string> error_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const UserError &e) {
    return {e.kind(), e.what()};
  }
  return {ErrorKind::Io, ""};
}

}  // namespace worldtune::testing
