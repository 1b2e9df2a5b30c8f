/// \file Importing an ONNX file into worldtune's network graph (net/graph.h), through Debian's
/// libonnx (its checker and shape inference) and protobuf. Only onnx_import.cpp includes their
/// headers: nothing above this library sees them.
#pragma once

#include <cstdint>
#include <string>

#include "net/graph.h"

namespace worldtune::onnx_import {

struct ImportOptions {
  /// The batch size to give inputs whose first dimension is dynamic (0: refuse a dynamic one);
  /// a positive value also replaces a static first dimension.
  int64_t batch = 0;
};

/// Reads, checks and shape-infers `path` and converts it. Throws UserError: Io when the file
/// cannot be read, BadNetwork naming the file and what is wrong (not ONNX, invalid, an
/// unsupported op, attribute or data type naming the node and the op, a dynamic shape naming the
/// tensor) for anything else; never crashes on a malformed file.
net::Graph import_onnx(const std::string &path, const ImportOptions &options = {});

}  // namespace worldtune::onnx_import
