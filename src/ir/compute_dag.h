/// \file The tensor program: a DAG of placeholder and compute ops in topological order (Ansor's
/// ComputeDAG), the builder that op definitions use, and the facts derived from it (consumers,
/// FLOPs, Ansor's access analysis).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "ir/expr.h"

namespace worldtune::ir {

enum class ReduceKind : uint8_t { None, Sum, Max, Min };

const char *reduce_kind_name(ReduceKind kind);
/// The identity of the combiner (0 for sum, -inf for max, +inf for min).
double reduce_identity(ReduceKind kind);

struct Axis {
  std::string name;
  int64_t extent = 1;
};

/// One op. For compute ops, Var ids 0..axes-1 name the spatial axes and axes..axes+reduce-1 the
/// reduce axes; the op's value is reduce(body) over the reduce axes, or body when there are none.
struct Op {
  std::string name;
  bool is_placeholder = false;
  std::vector<Axis> axes;
  std::vector<Axis> reduce_axes;
  ReduceKind reduce = ReduceKind::None;
  Expr body;

  std::vector<int64_t> shape() const;
  int64_t num_elements() const;
  int num_vars() const { return static_cast<int>(axes.size() + reduce_axes.size()); }
  std::vector<std::string> var_names() const;
};

/// Ansor's AccessAnalyzer facts for one op (ansor-on-halide.md §1).
struct OpAccessInfo {
  bool is_simple_access = true;
  bool is_strictly_inlineable = false;
  bool needs_multi_level_tiling = false;
  bool is_output = false;
};

class ComputeDAG {
 public:
  ComputeDAG() = default;
  explicit ComputeDAG(std::vector<Op> ops);

  const std::vector<Op> &ops() const { return ops_; }
  const Op &op(int id) const { return ops_.at(id); }
  int num_ops() const { return static_cast<int>(ops_.size()); }
  int find_op(const std::string &name) const;  ///< -1 when absent

  /// Ops that read op id (direct readers), sorted.
  const std::vector<int> &consumers(int id) const { return consumers_.at(id); }
  /// Ops read by op id (each once), sorted.
  const std::vector<int> &producers(int id) const { return producers_.at(id); }
  const OpAccessInfo &access(int id) const { return access_.at(id); }
  std::vector<int> outputs() const;
  std::vector<int> placeholders() const;

  /// Floating-point operations of the whole program (float arithmetic in bodies, plus one per
  /// reduction combine), as TVM's FlopEstimator counts them; a program without any counts one
  /// per output element.
  double flop_count() const { return flops_; }
  /// The share of flop_count() op id computes (0 for placeholders).
  double op_flop_count(int id) const { return op_flops_.at(id); }

  /// Ansor's ElementWiseMatch: a chain of single-consumer, same-shape, elementwise reads leads from
  /// op to target.
  bool elementwise_match(int op, int target) const;

  /// Multi-line description (`worldtune show`).
  std::string to_string() const;

  /// The canonical workload key this DAG was built from ("" for a DAG built by hand). Measurement
  /// workers are fresh processes: they rebuild the DAG from this key.
  const std::string &workload_key() const { return workload_key_; }
  void set_workload_key(std::string key) { workload_key_ = std::move(key); }

 private:
  std::vector<Op> ops_;
  std::string workload_key_;
  std::vector<std::vector<int>> consumers_;
  std::vector<std::vector<int>> producers_;
  std::vector<OpAccessInfo> access_;
  double flops_ = 0;
  std::vector<double> op_flops_;
};

/// Handle to a tensor while a DAG is being built; calling it makes a load expression.
struct Tensor {
  int id = -1;
  std::vector<int64_t> shape;
  Expr operator()(std::vector<Expr> indices) const;
  template <typename... Args>
  Expr operator()(Expr first, Args... rest) const {
    return (*this)(std::vector<Expr>{first, Expr(rest)...});
  }
};

using Vars = std::vector<Expr>;

/// Builds a ComputeDAG; ops get ids in creation order.
class DagBuilder {
 public:
  Tensor placeholder(const std::string &name, std::vector<int64_t> shape);
  /// out[axes] = fn(spatial vars)
  Tensor compute(const std::string &name, std::vector<Axis> axes,
                 const std::function<Expr(const Vars &)> &fn);
  /// out[axes] = reduce over reduce_axes of fn(spatial vars, reduce vars)
  Tensor reduce(const std::string &name, std::vector<Axis> axes, std::vector<Axis> reduce_axes,
                ReduceKind kind, const std::function<Expr(const Vars &, const Vars &)> &fn);
  ComputeDAG build() const { return ComputeDAG(ops_); }

 private:
  std::vector<Op> ops_;
};

/// Padding of the given dims: out[i] = in[i - before] inside, `value` outside (TVM's pad).
Tensor pad(DagBuilder &b, const std::string &name, const Tensor &in,
           const std::vector<int64_t> &before, const std::vector<int64_t> &after,
           double value = 0.0);

}  // namespace worldtune::ir
