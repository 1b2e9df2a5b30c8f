/// \file Graph to tasks: the small networks split as Relay's fusion would (conv + bias + relu +
/// residual, dense + activation, attention products reading the projections in place, layer
/// norm matched back), identical calls share a task, and the calls run by the IR interpreter
/// compute what PyTorch computed. Nodes no fused task covers are errors naming them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "net/op_registry.h"
#include "net/reference.h"
#include "net_test_util.h"
#include "onnx_import/onnx_import.h"
#include "partition/lowering.h"
#include "partition/partitioner.h"
#include "partition/view.h"

namespace worldtune::partition {
namespace {

using testing::error_of;
using testing::network;

int count_calls(const TaskGraph &t, const std::string &prefix) {
  return static_cast<int>(std::count_if(t.calls.begin(), t.calls.end(), [&](const Call &c) {
    return c.workload_key.rfind(prefix, 0) == 0;
  }));
}

bool has_task(const TaskGraph &t, const std::string &key) {
  return std::any_of(t.tasks.begin(), t.tasks.end(),
                     [&](const Task &task) { return task.workload_key == key; });
}

/// The largest difference between the interpreted tasks and the network's reference.
double task_error(const net::Graph &g, const TaskGraph &t, const net::HostTensor &input) {
  std::vector<net::HostTensor> want = net::run_reference(g, {input});
  std::vector<net::HostTensor> got = interpret_task_graph(t, {input});
  EXPECT_EQ(got.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].shape, want[i].shape);
    worst = std::max(worst, net::max_abs_difference(got[i], want[i]));
  }
  return worst;
}

TEST(Partition, TheTinyNetworksAsTasksComputeWhatPyTorchComputed) {
  for (const std::string name : {"tiny_cnn", "tiny_encoder", "tiny_densenet", "test_pad"}) {
    const TaskGraph t = partition(onnx_import::import_onnx(network(name)));
    const net::IoExample io = net::read_io_example(network(name, ".io.json"));
    const std::vector<net::HostTensor> out = interpret_task_graph(t, {io.input});
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].shape, io.output.shape) << name;
    EXPECT_LT(net::max_abs_difference(out[0], io.output), 2e-5) << name;
  }
}

TEST(Partition, TheTinyCnnFusesEpiloguesAndStoresImagesNhwc) {
  const TaskGraph t = partition(onnx_import::import_onnx(network("tiny_cnn")));
  EXPECT_EQ(t.calls.size(), 13u);
  // One layout change, at the input; the channel concat of two NHWC images needs none.
  EXPECT_EQ(count_calls(t, "fused_elementwise:D0=1,D1=3,D2=16,D3=16,P0=0,P1=2,P2=3,P3=1"), 1);
  EXPECT_EQ(count_calls(t, "fused_elementwise"), 1);
  EXPECT_TRUE(has_task(t, "fused_concat:M=16,C0=8,C1=8,C2=0,C3=0"));
  // conv + bias + residual add + relu; depthwise conv + relu6; max pool + batch norm.
  EXPECT_TRUE(has_task(t,
                       "fused_conv2d:N=1,H=8,W=8,CI=8,CO=8,K=3,S=1,P=2,D=2,G=1,SCALE=0,BIAS=1,"
                       "ACT=0,RES=1,POST=1"));
  EXPECT_TRUE(has_task(t,
                       "fused_conv2d:N=1,H=8,W=8,CI=8,CO=8,K=3,S=1,P=1,D=1,G=8,SCALE=0,BIAS=1,"
                       "ACT=2,RES=0,POST=0"));
  EXPECT_TRUE(has_task(
      t, "fused_pool2d:N=1,H=8,W=8,C=8,K=3,S=2,P=1,MODE=0,SCALE=1,BIAS=1,ACT=0,RES=0,POST=0"));
  // The gate: dense + bias + sigmoid, times the features it gates.
  EXPECT_TRUE(has_task(t, "fused_dense:M=1,N=16,K=16,B=16,SCALE=0,BIAS=1,ACT=3,RES=2,POST=0"));
}

TEST(Partition, TheTinyDenseNetChainsItsConcatsAndDropsItsZeroWidthPad) {
  const net::Graph g = onnx_import::import_onnx(network("tiny_densenet"));
  EXPECT_EQ(g.op_counts()["Pad"], 1);
  const TaskGraph t = partition(g);
  // The first block concats 1 to 6 parts (the 8 stem channels, then 4 more per layer): the one
  // of a single part is a view, those of 5 and 6 join 4 parts first, like the one of 4.
  EXPECT_EQ(count_calls(t, "fused_concat:M=64,C0=8,C1=0"), 0);
  EXPECT_EQ(count_calls(t, "fused_concat:M=64,C0=8,C1=4,C2=4,C3=4"), 3);
  EXPECT_EQ(count_calls(t, "fused_concat:M=64,C0=20,C1=4,C2=4,C3=0"), 1);
  EXPECT_EQ(count_calls(t, "fused_concat:M=64"), 7);
  // The transition's pool reads the conv's output directly.
  EXPECT_EQ(count_calls(t, "fused_pool2d:N=1,H=8,W=8,C=14,K=2,S=2,P=0,MODE=1"), 1);
}

TEST(Partition, APadBeforeAnAveragePoolBecomesThePoolsPadding) {
  // avg_pool2d(x, 3, 2, 1) counting the padded zeros: PyTorch exports Pad(1) + AveragePool(3, 2).
  const TaskGraph t = partition(onnx_import::import_onnx(network("test_pad")));
  EXPECT_EQ(t.calls.size(), 3u);  // the layout changes NCHW -> NHWC -> NCHW around it
  EXPECT_EQ(count_calls(t, "fused_pool2d:N=1,H=5,W=5,C=2,K=3,S=2,P=1,MODE=2,"), 1);
}

TEST(Partition, TheTinyEncoderSharesTasksAndReadsAttentionInPlace) {
  const TaskGraph t = partition(onnx_import::import_onnx(network("tiny_encoder")));
  EXPECT_EQ(t.tasks.size(), 8u);
  EXPECT_EQ(t.calls.size(), 22u);
  int weights = 0;
  for (const Task &task : t.tasks) weights += task.weight;
  EXPECT_EQ(weights, 22);
  EXPECT_EQ(t.tasks[0].workload_key,
            "fused_dense:M=8,N=32,K=32,B=16,SCALE=0,BIAS=1,ACT=0,RES=0,POST=0");
  EXPECT_EQ(t.tasks[0].weight, 6);  // Q, K and V of two layers
  // The head split and merge transposes are folded into the attention products' indexing.
  EXPECT_EQ(count_calls(t, "fused_elementwise"), 0);
  EXPECT_EQ(count_calls(t, "fused_batch_matmul"), 0);
  EXPECT_EQ(count_calls(t, "fused_attention_scores:B=1,L=8,H=4,D=8,SCALE=1"), 2);
  EXPECT_EQ(count_calls(t, "fused_attention_context:B=1,L=8,H=4,D=8"), 2);
  EXPECT_EQ(count_calls(t, "fused_layer_norm:M=8,N=32,EPS=5,SCALE=1,BIAS=1"), 4);
  EXPECT_EQ(count_calls(t, "fused_dense:M=8,N=64,K=32,B=16,SCALE=0,BIAS=1,ACT=4"), 2);  // GELU
}

/// Builds small graphs by hand, for what PyTorch's exports do not contain.
struct GraphMaker {
  net::Graph g;

  int value(const std::string &name, std::vector<int64_t> shape) {
    net::Value v;
    v.name = name;
    v.shape = std::move(shape);
    g.values.push_back(v);
    return static_cast<int>(g.values.size()) - 1;
  }
  int input(std::vector<int64_t> shape) {
    g.inputs.push_back(value("x", std::move(shape)));
    return g.inputs.back();
  }
  int constant(std::vector<int64_t> shape, float base) {
    const int v = value("c" + std::to_string(g.values.size()), std::move(shape));
    net::Value &c = g.values[static_cast<size_t>(v)];
    c.constant = true;
    for (int64_t i = 0; i < c.elements(); ++i)
      c.floats.push_back(base + 0.37f * static_cast<float>((i * 7) % 11) / 11.0f);
    return v;
  }
  int node(const std::string &op, std::vector<int> inputs, std::vector<int64_t> shape,
           std::map<std::string, net::Attribute> attributes = {}) {
    const int out = value(op + std::to_string(g.nodes.size()), std::move(shape));
    g.nodes.push_back(
        {op + std::to_string(g.nodes.size()), op, std::move(inputs), {out}, std::move(attributes)});
    return out;
  }
  net::Graph done(int output) {
    g.outputs = {output};
    g.source = "made.onnx";
    return g;
  }
};

net::Attribute ints(std::vector<int64_t> v) {
  net::Attribute a;
  a.kind = net::Attribute::Kind::Ints;
  a.ints = std::move(v);
  return a;
}

net::Attribute integer(int64_t i) {
  net::Attribute a;
  a.kind = net::Attribute::Kind::Int;
  a.i = i;
  return a;
}

net::Attribute number(double f) {
  net::Attribute a;
  a.kind = net::Attribute::Kind::Float;
  a.f = f;
  return a;
}

net::HostTensor ramp(const std::vector<int64_t> &shape) {
  net::HostTensor t{shape, {}};
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  for (int64_t i = 0; i < n; ++i) t.data.push_back(std::sin(0.7f * static_cast<float>(i)));
  return t;
}

TEST(Partition, ABatchNormAfterAConvFoldsIntoItsWeights) {
  GraphMaker m;
  const int x = m.input({1, 2, 5, 5});
  const int conv = m.node("Conv", {x, m.constant({3, 2, 3, 3}, -0.2f), m.constant({3}, 0.1f)},
                          {1, 3, 5, 5}, {{"pads", ints({1, 1, 1, 1})}});
  const int bn = m.node("BatchNormalization",
                        {conv, m.constant({3}, 0.5f), m.constant({3}, -0.1f),
                         m.constant({3}, 0.05f), m.constant({3}, 0.8f)},
                        {1, 3, 5, 5}, {{"epsilon", number(1e-5)}});
  const net::Graph g = m.done(m.node("Relu", {bn}, {1, 3, 5, 5}));
  const TaskGraph t = partition(g);
  EXPECT_EQ(count_calls(t, "fused_conv2d"), 1);
  EXPECT_EQ(count_calls(t,
                        "fused_conv2d:N=1,H=5,W=5,CI=2,CO=3,K=3,S=1,P=1,D=1,G=1,SCALE=0,"
                        "BIAS=1,ACT=1,RES=0,POST=0"),
            1);
  EXPECT_LT(task_error(g, t, ramp({1, 2, 5, 5})), 1e-5);
}

TEST(Partition, ConvWeightsArePackedInBlocksOfOutputChannelsAfterFolding) {
  GraphMaker m;
  const int x = m.input({1, 4, 5, 5});
  const int conv = m.node("Conv", {x, m.constant({32, 4, 3, 3}, -0.2f), m.constant({32}, 0.1f)},
                          {1, 32, 5, 5}, {{"pads", ints({1, 1, 1, 1})}});
  const int bn = m.node("BatchNormalization",
                        {conv, m.constant({32}, 0.5f), m.constant({32}, -0.1f),
                         m.constant({32}, 0.05f), m.constant({32}, 0.8f)},
                        {1, 32, 5, 5}, {{"epsilon", number(1e-5)}});
  const int dw = m.node("Conv", {bn, m.constant({32, 1, 3, 3}, 0.3f)}, {1, 32, 5, 5},
                        {{"pads", ints({1, 1, 1, 1})}, {"group", integer(32)}});
  const net::Graph g = m.done(dw);
  const TaskGraph t = partition(g);
  const std::string packed =
      "fused_conv2d:N=1,H=5,W=5,CI=4,CO=32,K=3,S=1,P=1,D=1,G=1,B=16,SCALE=0,BIAS=1,ACT=0,RES=0,"
      "POST=0";
  auto conv_call = std::find_if(t.calls.begin(), t.calls.end(),
                                [&](const Call &c) { return c.workload_key == packed; });
  ASSERT_NE(conv_call, t.calls.end());
  EXPECT_EQ(t.buffers[static_cast<size_t>(conv_call->inputs[1])].shape,
            (std::vector<int64_t>{2, 3, 3, 4, 16}));
  // Depthwise weights stay [K,K,1,C]: the key has no B.
  EXPECT_EQ(count_calls(t, "fused_conv2d:N=1,H=5,W=5,CI=32,CO=32,K=3,S=1,P=1,D=1,G=32,SCALE"), 1);
  EXPECT_LT(task_error(g, t, ramp({1, 4, 5, 5})), 1e-5);
}

TEST(Partition, DenseWeightsArePackedInBlocksOfOutputFeaturesAfterFolding) {
  GraphMaker m;
  const int x = m.input({2, 8});
  const int gemm = m.node("Gemm", {x, m.constant({32, 8}, -0.2f), m.constant({32}, 0.1f)}, {2, 32},
                          {{"transB", integer(1)}});
  const int scaled = m.node("Mul", {gemm, m.constant({32}, 0.7f)}, {2, 32});
  const int odd = m.node("Gemm", {scaled, m.constant({32, 12}, 0.3f)}, {2, 12});
  const net::Graph g = m.done(odd);
  const TaskGraph t = partition(g);
  auto dense_call = std::find_if(t.calls.begin(), t.calls.end(), [&](const Call &c) {
    return c.workload_key.rfind("fused_dense:M=2,N=32,K=8,B=16,SCALE=0,", 0) == 0;
  });
  ASSERT_NE(dense_call, t.calls.end());
  EXPECT_EQ(t.buffers[static_cast<size_t>(dense_call->inputs[1])].shape,
            (std::vector<int64_t>{2, 8, 16}));
  // 12 output features are no whole block: unpacked, and the key has no B.
  EXPECT_EQ(count_calls(t, "fused_dense:M=2,N=12,K=32,SCALE=0,BIAS=0"), 1);
  EXPECT_LT(task_error(g, t, ramp({2, 8})), 1e-5);
}

TEST(Partition, LayoutOpsAreViewsUntilAKernelNeedsACopy) {
  GraphMaker m;
  const int x = m.input({2, 3, 4});
  const int tr = m.node("Transpose", {x}, {2, 4, 3}, {{"perm", ints({0, 2, 1})}});
  const int flat = m.node("Reshape", {tr, m.constant({2}, 0.0f)}, {2, 12});
  const net::Graph g = m.done(m.node("Softmax", {flat}, {2, 12}));
  const TaskGraph t = partition(g);
  EXPECT_EQ(count_calls(t, "fused_elementwise:D0=1,D1=2,D2=3,D3=4,P0=0,P1=1,P2=3,P3=2"), 1);
  EXPECT_EQ(count_calls(t, "fused_softmax:M=2,N=12"), 1);
  EXPECT_LT(task_error(g, t, ramp({2, 3, 4})), 1e-6);
}

TEST(Partition, AConcatOfMoreInputsThanOneKernelJoinsBecomesAChainOfThem) {
  GraphMaker m;
  const int x = m.input({2, 3, 4});
  const int flat = m.node("Reshape", {x, m.constant({2}, 0.0f)}, {2, 12});
  std::vector<int> parts;
  int64_t channels = 0;
  for (int i = 0; i < 9; ++i) {  // parts of 12 and 8 columns, each a product of its own
    const int64_t c = 3 - i % 2;
    const int w = m.constant({12, 4 * c}, 0.1f * static_cast<float>(i) - 0.3f);
    parts.push_back(m.node("MatMul", {flat, w}, {2, 4 * c}));
    channels += 4 * c;
  }
  const net::Graph g = m.done(m.node("Concat", parts, {2, channels}, {{"axis", integer(1)}}));
  const TaskGraph t = partition(g);
  // 9 parts: 4 joined, then that and 3 more, then that and the last 2.
  EXPECT_EQ(count_calls(t, "fused_concat:M=2,C0=12,C1=8,C2=12,C3=8"), 1);
  EXPECT_EQ(count_calls(t, "fused_concat:M=2,C0=40,C1=12,C2=8,C3=12"), 1);
  EXPECT_EQ(count_calls(t, "fused_concat:M=2,C0=72,C1=8,C2=12,C3=0"), 1);
  EXPECT_EQ(count_calls(t, "fused_concat"), 3);
  EXPECT_LT(task_error(g, t, ramp({2, 3, 4})), 1e-5);
}

TEST(Partition, AnOutputIsABufferOfItsOwnEvenWhereItIsTheInputReshaped) {
  GraphMaker m;
  const int x = m.input({2, 6});
  const net::Graph g = m.done(m.node("Reshape", {x, m.constant({2}, 0.0f)}, {3, 4}));
  const TaskGraph t = partition(g);
  ASSERT_EQ(t.outputs.size(), 1u);
  EXPECT_NE(t.outputs[0], t.inputs[0]);
  EXPECT_EQ(t.calls.size(), 1u);  // the copy that writes it
  EXPECT_EQ(task_error(g, t, ramp({2, 6})), 0.0);
}

TEST(Partition, NodesNoFusedTaskCoversAreNamedErrors) {
  auto refused = [](net::Graph g) { return error_of([&] { partition(g); }); };
  GraphMaker erf;
  erf.done(erf.node("Erf", {erf.input({1, 4})}, {1, 4}));
  auto [kind, what] = refused(erf.g);
  EXPECT_EQ(kind, ErrorKind::BadNetwork);
  EXPECT_NE(what.find("made.onnx"), std::string::npos) << what;
  EXPECT_NE(what.find("'Erf0' (Erf)"), std::string::npos) << what;
  EXPECT_EQ(what.rfind("made.onnx: ", 0), 0u) << what;  // the CLI puts the kind before it

  // Padding that no average pool behind it takes as its own.
  GraphMaker pad;
  const int px = pad.input({1, 2, 3, 3});
  const int padded = pad.node("Pad", {px, pad.constant({8}, 0.0f)}, {1, 2, 5, 5});
  pad.done(pad.node("Relu", {padded}, {1, 2, 5, 5}));
  std::tie(kind, what) = refused(pad.g);
  EXPECT_NE(what.find("'Pad0' (Pad): padding as a node of its own is supported only in front of "
                      "an average pool"),
            std::string::npos)
      << what;

  GraphMaker mean;
  mean.done(mean.node("ReduceMean", {mean.input({2, 3, 4})}, {2, 1, 4}, {{"axes", ints({1})}}));
  std::tie(kind, what) = refused(mean.g);
  EXPECT_NE(what.find("ReduceMean"), std::string::npos) << what;

  GraphMaker ln;
  const int lx = ln.input({2, 8});
  ln.done(ln.node("LayerNormalization", {lx, ln.constant({8}, 1.0f)}, {2, 8},
                  {{"epsilon", number(3e-5)}}));
  std::tie(kind, what) = refused(ln.g);
  EXPECT_NE(what.find("epsilon 3e-05 is not a power of ten"), std::string::npos) << what;

  // Squeeze-and-excitation's broadcast product of two activations.
  GraphMaker se;
  const int sx = se.input({1, 4, 3, 3});
  const int pooled = se.node("GlobalAveragePool", {sx}, {1, 4, 1, 1});
  se.done(se.node("Mul", {pooled, sx}, {1, 4, 3, 3}));
  std::tie(kind, what) = refused(se.g);
  EXPECT_NE(what.find("(Mul): its inputs broadcast"), std::string::npos) << what;
}

TEST(Partition, EveryOpTheImporterAcceptsHasALowering) {
  // Ops lowered only inside the GELU and layer-norm patterns (partition/patterns.cpp).
  const std::vector<std::string> pattern_only = {"Erf", "Pow", "Sqrt"};
  for (const std::string &op : net::NetOpRegistry::global().names()) {
    if (std::count(pattern_only.begin(), pattern_only.end(), op) > 0) continue;
    const LoweringRule *rule = LoweringTable::global().find(op);
    EXPECT_TRUE(rule != nullptr && rule->lower) << op;
  }
}

TEST(View, ReshapesWithoutACopyOnlyWhereTheStridesAllow) {
  const View nchw_as_nhwc = View::stored(0, {2, 8, 4, 4}, {0, 2, 3, 1});
  EXPECT_EQ(nchw_as_nhwc.strides, (std::vector<int64_t>{128, 1, 32, 8}));
  EXPECT_EQ(nchw_as_nhwc.storage_order(), (std::vector<int>{0, 2, 3, 1}));
  EXPECT_FALSE(nchw_as_nhwc.is_dense());
  EXPECT_FALSE(nchw_as_nhwc.reshaped({2, 128}).has_value());  // flattening C, H, W needs NCHW
  // Unit axes are stored last, where they change nothing.
  EXPECT_EQ(View::stored(0, {1, 8, 4, 4}, {0, 2, 3, 1}).storage_order(),
            (std::vector<int>{2, 3, 1, 0}));
  const View pooled = View::stored(0, {1, 8, 1, 1}, {0, 2, 3, 1});
  ASSERT_TRUE(pooled.reshaped({1, 8}).has_value());  // unit axes do not matter
  EXPECT_TRUE(pooled.reshaped({1, 8})->is_dense());
  const View heads = View::dense(0, {2, 6, 12}).reshaped({2, 6, 3, 4})->transposed({0, 2, 1, 3});
  EXPECT_EQ(heads.strides, (std::vector<int64_t>{72, 4, 12, 1}));
  EXPECT_TRUE(heads.transposed({0, 2, 1, 3}).reshaped({2, 6, 12})->is_dense());
}

}  // namespace
}  // namespace worldtune::partition
