/// \file The partitioner's working state, shared by the files that lower each kind of network
/// node (src/partition/*_lowering.cpp). Internal to src/partition.
///
/// How a node becomes calls: an anchor (Conv, Gemm, MatMul, a pool, Softmax, a normalization,
/// Concat, or an elementwise node nothing took) describes its kernel as an Anchor; finish() then
/// grows its epilogue along the chain of elementwise nodes that follow it (Ansor's and Relay's
/// fusion: one consumer each, a per-channel affine, an activation, a residual, an activation),
/// folds a per-channel scale into linear anchors' weights, and emits the call.
///
/// How to add an ONNX op: give it a lowering in the family's file (its `register_*` adds a table
/// entry); tests/partition_test.cpp checks that every op the importer accepts has one.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/workload.h"
#include "net/graph.h"
#include "net/reference.h"
#include "partition/task_graph.h"
#include "partition/view.h"
#include "worldtune/error.h"

namespace worldtune::partition {

/// The block of output channels a conv's or dense's weights are packed in (their op's field B):
/// one cache line of floats. A network streams its weights from memory, and unpacked ones lie
/// a row apart for the channels a kernel reads next, which defeats the hardware prefetchers.
constexpr int64_t kWeightsBlock = 16;

/// A kernel before its epilogue: what the anchor node computes and where.
struct Anchor {
  std::string op;              ///< IR op (src/ir/ops/fused_*.cpp)
  ir::ParamMap params;         ///< the anchor's fields; finish() adds the epilogue's
  std::vector<int> inputs;     ///< buffers, in the op's placeholder order
  std::vector<int64_t> shape;  ///< the IR op's output shape
  View out;                    ///< the node's output value over that output (buffer unset)
  int value = -1;              ///< the network value the anchor computes
  std::vector<int> nodes;      ///< nodes it covers so far
  bool takes_epilogue = true;  ///< fused_concat has none
  int first = -1;  ///< an elementwise node the anchor must take first (a standalone chain)
  /// A linear anchor's weights buffer and its output-channel axis: a scale folds into them.
  int weights = -1;
  int weights_channel_axis = -1;
  /// > 1: finish() packs the weights [.., C, ..] (C their channel axis) as [C/B, .., .., B]
  /// after folding, for the op's field B.
  int64_t weights_block = 1;
  std::vector<float> scale, bias;  ///< a per-channel affine the anchor starts with
};

/// The elementwise tail being grown behind an anchor, in epilogue order.
struct Epilogue {
  enum Stage { Affine, Activated, Residual, Done };
  Stage stage = Affine;
  int64_t channels = 1;  ///< the kernel output's last extent: what scale and bias run along
  std::vector<float> scale, bias;  ///< y * scale + bias per output channel (empty: absent)
  int64_t act = 0, res = 0, post = 0;
  int residual = -1;  ///< buffer
};

class Lowering;
using LowerFn = std::function<void(Lowering &, int node)>;
/// Absorbs node into the epilogue of value `v` (its view `out`) and returns true, or returns
/// false and changes nothing.
using AbsorbFn = std::function<bool(Lowering &, Epilogue &, int node, int v, const View &out)>;

/// Per ONNX op: how it is lowered when a node of it starts a call, and how it joins an epilogue.
struct LoweringRule {
  std::string op;
  LowerFn lower;    ///< null: never starts a call (only part of a pattern)
  AbsorbFn absorb;  ///< null: never joins an epilogue
};

class LoweringTable {
 public:
  static const LoweringTable &global();
  void add(LoweringRule rule);
  const LoweringRule *find(const std::string &op) const;

 private:
  std::map<std::string, LoweringRule> rules_;
};

void register_conv_lowerings(LoweringTable &t);
void register_matmul_lowerings(LoweringTable &t);
void register_normalize_lowerings(LoweringTable &t);
void register_layout_lowerings(LoweringTable &t);
void register_elementwise_lowerings(LoweringTable &t);

class Lowering {
 public:
  explicit Lowering(const net::Graph &graph);

  /// Lowers every node, then lays the outputs out dense.
  TaskGraph run();

  const net::Graph &graph() const { return graph_; }
  const net::Node &node(int n) const { return graph_.nodes[static_cast<size_t>(n)]; }
  const std::vector<int64_t> &shape(int value) const { return graph_.value(value).shape; }

  /// A constant value (an initializer, a Constant, or folded from constants); null otherwise.
  const net::HostTensor *constant(int value) const;
  /// The view of an activation, lowering its producer first where it has not run; nullopt when
  /// the producer is being lowered now (the value is not available yet).
  std::optional<View> view(int value);
  void set_view(int value, View v) { views_[value] = std::move(v); }
  /// The view of a free node's activation input (its producer ran before it, or runs now).
  View input(int value);
  /// The one node reading `value` when it is neither a network output nor read by another node
  /// and that node is still free; -1 otherwise.
  int sole_consumer(int value) const;
  const std::vector<int> &consumers(int value) const;
  bool is_output(int value) const;
  bool is_free(int node) const;
  void claim(int node) { state_[static_cast<size_t>(node)] = State::Busy; }
  void mark_done(int node) { state_[static_cast<size_t>(node)] = State::Done; }

  int add_buffer(const std::string &name, std::vector<int64_t> shape);
  int add_constant(const std::string &name, std::vector<int64_t> shape, std::vector<float> data);
  Buffer &buffer(int b) { return out_.buffers[static_cast<size_t>(b)]; }
  /// A buffer holding `v` stored in axis order `order` (empty: row-major): v's own when it
  /// already is and `copy` is false, else a copy (a fused_elementwise call).
  int laid_out(const View &v, std::vector<int> order, const std::string &name, bool copy = false);
  int dense(const View &v, const std::string &name);

  /// Grows the anchor's epilogue, emits its call and sets the view of the value it ends at.
  void finish(Anchor anchor);
  /// Emits one call of `op` with `params` (every field) and returns the output buffer.
  int emit(const std::string &op, const ir::ParamMap &params, std::vector<int> inputs,
           const std::string &name, std::vector<int64_t> shape, std::vector<int> nodes);

  /// Throws UserError(BadNetwork) naming the node and its op.
  [[noreturn]] void refuse(int node, const std::string &why) const;

 private:
  enum class State { Free, Busy, Done };
  void lower_node(int n);
  bool grow(Anchor &anchor, Epilogue &e, int &value);
  void fold_into_weights(const Anchor &anchor, Epilogue &e);
  void pack_weights(const Anchor &anchor);

  const net::Graph &graph_;
  TaskGraph out_;
  std::map<int, View> views_;
  mutable std::map<int, net::HostTensor> constants_;
  std::vector<std::vector<int>> consumers_;
  std::vector<int> producer_;
  std::vector<State> state_;
};

// Helpers the lowering files share.

/// Params of an IR op with every epilogue field 0.
ir::ParamMap no_epilogue(ir::ParamMap anchor);
/// A per-output-channel vector of constant `c` broadcast against the value of view `out` whose
/// kernel output has `channels` elements along its last axis; nullopt when `c` varies along any
/// other axis.
std::optional<std::vector<float>> channel_vector(const net::HostTensor &c, const View &out,
                                                 int64_t channels);
/// GELU as PyTorch exports it from `x`: x / sqrt(2) -> Erf -> + 1 -> x * that -> * 0.5, every
/// node free and each intermediate read once; the nodes in that order, or empty.
std::vector<int> match_gelu(const Lowering &L, int x);

/// Layer normalization over the last axis as exported without LayerNormalization: from its
/// first ReduceMean, mean -> x - mean -> ^2 -> mean -> + eps -> sqrt -> (x - mean) / that.
struct LayerNormMatch {
  int input = -1;
  std::vector<int> nodes;  ///< in that order; the last computes the normalized value
  double epsilon = 0;
};
std::optional<LayerNormMatch> match_layer_norm(const Lowering &L, int reduce_mean);

/// Lowers node n, a ReduceMean over H and W of an image, as a global average pool; false when it
/// is another ReduceMean.
bool lower_spatial_mean(Lowering &L, int n);

/// Lowers Pad node `pad` and the AveragePool without pads of its own that is its sole consumer
/// as one pool counting its padding (PyTorch's export of a pool that counts padded zeros), when
/// the Pad puts equal zeros around H and W only; false, changing nothing, otherwise.
bool lower_padded_pool(Lowering &L, int pad);

/// Normalizes a possibly negative axis of a rank-`rank` tensor.
int64_t axis_of(int64_t axis, size_t rank);

}  // namespace worldtune::partition
