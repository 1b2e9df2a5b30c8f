/// \file ONNX import: the small networks of scripts/make_onnx_models.py come in with the ops,
/// shapes and constants PyTorch exported; a batch size replaces the first dimension; unsupported
/// ops, attributes, dynamic shapes and malformed files are errors naming what is wrong, and no
/// corrupted file crashes the importer.
#include "onnx_import/onnx_import.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

#include "measure_test_util.h"
#include "net/graph.h"
#include "net/reference.h"
#include "net_test_util.h"
#include "worldtune/error.h"

namespace worldtune::onnx_import {
namespace {

using testing::error_of;
using testing::network;

std::string read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const net::Node &node_named(const net::Graph &g, const std::string &name) {
  for (const net::Node &n : g.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

TEST(OnnxImport, TheTinyCnnComesInWithItsOpsShapesAndConstants) {
  net::Graph g = import_onnx(network("tiny_cnn"));
  EXPECT_EQ(g.opset, 14);
  EXPECT_EQ(g.op_counts(), (std::map<std::string, int>{{"Add", 2},
                                                       {"AveragePool", 2},
                                                       {"BatchNormalization", 1},
                                                       {"Clip", 1},
                                                       {"Concat", 1},
                                                       {"Conv", 4},
                                                       {"Flatten", 1},
                                                       {"Gemm", 2},
                                                       {"GlobalAveragePool", 1},
                                                       {"MaxPool", 1},
                                                       {"Mul", 1},
                                                       {"Relu", 3},
                                                       {"Sigmoid", 1},
                                                       {"Softmax", 1}}));
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).shape, (std::vector<int64_t>{1, 3, 16, 16}));
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.value(g.outputs[0]).shape, (std::vector<int64_t>{1, 10}));
  // The stem: 3x3 stride-2 conv, 3 -> 8 channels (its batch norm folded in by the exporter).
  const net::Node &stem = node_named(g, "/stem/stem.0/Conv");
  EXPECT_EQ(stem.get_ints("strides"), (std::vector<int64_t>{2, 2}));
  const net::Value &w = g.value(stem.inputs[1]);
  EXPECT_TRUE(w.constant);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{8, 3, 3, 3}));
  EXPECT_EQ(w.floats.size(), 216u);
  EXPECT_EQ(g.value(stem.outputs[0]).shape, (std::vector<int64_t>{1, 8, 8, 8}));
  // ReLU6: Clip with constant scalar bounds 0 and 6.
  const net::Node &clip = node_named(g, "/dw/dw.1/Clip");
  ASSERT_EQ(clip.inputs.size(), 3u);
  EXPECT_EQ(g.value(clip.inputs[1]).floats, std::vector<float>{0.0f});
  EXPECT_EQ(g.value(clip.inputs[2]).floats, std::vector<float>{6.0f});
  // The depthwise conv: one group per channel.
  EXPECT_EQ(node_named(g, "/dw/dw.0/Conv").get_int("group", 1), 8);
  for (const net::Node &n : g.nodes)
    for (int o : n.outputs)
      for (int64_t e : g.value(o).shape) EXPECT_GE(e, 1) << n.label();
}

// Every supported op's reference evaluation, through the small networks that use them all
// (but LayerNormalization and Gelu, which PyTorch exports decomposed at opset 14), against
// PyTorch's own output for the same input. test_pad pads by one, tiny_densenet by zero.
TEST(OnnxImport, TheReferenceEvaluationMatchesPyTorch) {
  for (const std::string name : {"tiny_cnn", "tiny_encoder", "tiny_densenet", "test_pad"}) {
    net::Graph g = import_onnx(network(name));
    net::IoExample io = net::read_io_example(network(name, ".io.json"));
    std::vector<net::HostTensor> out = net::run_reference(g, {io.input});
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].shape, io.output.shape) << name;
    const double worst = net::max_abs_difference(out[0], io.output);
    double scale = 0;
    for (float y : io.output.data) scale = std::max(scale, std::fabs(double(y)));
    EXPECT_LT(worst, 2e-5 * std::max(1.0, scale)) << name << ": worst difference " << worst;
    EXPECT_GT(scale, 0) << name;
  }
}

TEST(OnnxImport, TheTinyEncoderComesInDecomposed) {
  net::Graph g = import_onnx(network("tiny_encoder"));
  // Two layers: per layer 4 linear layers + 2 FFN ones and 2 attention products (MatMul 8), two
  // decomposed LayerNorms (ReduceMean 2 each), one decomposed GELU (Erf).
  std::map<std::string, int> ops = g.op_counts();
  EXPECT_EQ(ops["MatMul"], 16);
  EXPECT_EQ(ops["ReduceMean"], 8);
  EXPECT_EQ(ops["Erf"], 2);
  EXPECT_EQ(ops["Softmax"], 2);
  EXPECT_EQ(ops.count("Identity"), 0u);  // aliases of shared constants are constants
  EXPECT_EQ(g.value(g.outputs[0]).shape, (std::vector<int64_t>{1, 8, 32}));
  for (const net::Node &n : g.nodes)
    if (n.op == "Reshape") {
      EXPECT_EQ(g.value(n.inputs[1]).dtype, net::DType::Int64);
    }
}

TEST(OnnxImport, ABatchSizeReplacesTheFirstDimension) {
  net::Graph g = import_onnx(network("tiny_cnn"), {3});
  EXPECT_EQ(g.value(g.inputs[0]).shape, (std::vector<int64_t>{3, 3, 16, 16}));
  EXPECT_EQ(g.value(g.outputs[0]).shape, (std::vector<int64_t>{3, 10}));
  for (const net::Node &n : g.nodes) EXPECT_EQ(g.value(n.outputs[0]).shape[0], 3) << n.label();

  auto [kind, what] = error_of([] { import_onnx(network("test_dynamic_batch")); });
  EXPECT_EQ(kind, ErrorKind::BadNetwork);
  EXPECT_NE(what.find("input 'input' has a dynamic dimension 0 ('batch'); give the batch size"),
            std::string::npos)
      << what;
  net::Graph d = import_onnx(network("test_dynamic_batch"), {5});
  EXPECT_EQ(d.value(d.outputs[0]).shape, (std::vector<int64_t>{5, 3}));
}

TEST(OnnxImport, UnsupportedOpsAndAttributesNameTheNodeAndTheOp) {
  auto [kind, what] = error_of([] { import_onnx(network("test_tan")); });
  EXPECT_EQ(kind, ErrorKind::BadNetwork);
  EXPECT_NE(what.find("test_tan.onnx: node '/Tan' (Tan): operator 'Tan' is not supported "
                      "(supported: Add, "),
            std::string::npos)
      << what;
  std::tie(kind, what) = error_of([] { import_onnx(network("test_softmax_axis1")); });
  EXPECT_EQ(kind, ErrorKind::BadNetwork);
  EXPECT_NE(what.find("node '/Softmax' (Softmax): only over the last axis (axis -1 or 2), got "
                      "axis 1"),
            std::string::npos)
      << what;
}

TEST(OnnxImport, MalformedFilesAreClearErrors) {
  testing::ScratchDir dir;
  const std::string good = read_bytes(network("tiny_cnn"));
  auto refused = [&](const std::string &bytes) {
    { std::ofstream(dir.file("bad.onnx"), std::ios::binary) << bytes; }
    return error_of([&] { import_onnx(dir.file("bad.onnx")); });
  };
  for (const std::string &bytes : {std::string(), std::string("{\"format\": \"not onnx\"}"),
                                   good.substr(0, good.size() / 2), std::string(1000, '\xff')}) {
    auto [kind, what] = refused(bytes);
    EXPECT_EQ(kind, ErrorKind::BadNetwork) << what;
    EXPECT_NE(what.find("bad.onnx: "), std::string::npos) << what;
  }
  auto [kind, what] = error_of([&] { import_onnx(dir.file("missing.onnx")); });
  EXPECT_EQ(kind, ErrorKind::Io);
  EXPECT_NE(what.find("cannot open network file"), std::string::npos) << what;
}

// Flipped bytes anywhere in a real file: the importer accepts the file or refuses it with a
// UserError, and never crashes or throws anything else.
TEST(OnnxImport, CorruptedFilesNeverCrashTheImporter) {
  testing::ScratchDir dir;
  const std::string good = read_bytes(network("tiny_cnn"));
  std::mt19937_64 rng(7);
  int refused = 0;
  for (int trial = 0; trial < 150; ++trial) {
    std::string bytes = good;
    for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    { std::ofstream(dir.file("c.onnx"), std::ios::binary) << bytes; }
    try {
      import_onnx(dir.file("c.onnx"));
    } catch (const UserError &e) {
      ++refused;
      EXPECT_EQ(e.kind(), ErrorKind::BadNetwork) << e.what();
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace worldtune::onnx_import
