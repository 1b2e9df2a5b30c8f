/// \file Workloads: named operator definitions with integer parameters, addressed by keys like
/// `conv2d_nhwc:N=1,H=56,W=56,CI=64,CO=64,K=3,S=1,P=1`.
///
/// How to add an operator: write one file `src/ir/ops/<name>.cpp` with a
/// `register_<name>(WorkloadRegistry &)` function that calls `add()`, declare it in
/// `src/ir/ops/ops.h`, call it from `WorkloadRegistry::global()` and list the file in
/// `src/ir/CMakeLists.txt`. `tests/ir_ops_test.cpp` then checks it against the interpreter.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/compute_dag.h"

namespace worldtune::ir {

/// Halide indexes buffers with int32: every extent and every tensor's element count (inputs,
/// intermediates and outputs) must stay below this.
inline constexpr int64_t kExtentLimit = int64_t{1} << 31;

struct ParamSpec {
  std::string name;
  int64_t default_value = 1;
  int64_t min_value = 1;                 ///< padding may be 0, flags are 0/1
  int64_t max_value = kExtentLimit - 1;  ///< flags are 0/1
  std::string doc;
  /// False for a field added after records existed: a key leaves it out while it holds its
  /// default, so that older records keep their keys.
  bool keyed_at_default = true;
};

using ParamMap = std::map<std::string, int64_t>;

struct OpDefinition {
  std::string name;
  std::string doc;
  std::string tag;  ///< family tag (task-scheduler similarity groups)
  std::vector<ParamSpec> params;
  std::function<ComputeDAG(const ParamMap &)> build;
};

/// A parsed workload: canonical key plus its program.
struct Workload {
  std::string key;
  std::string op_name;
  ParamMap params;
  std::shared_ptr<const ComputeDAG> dag;
};

class WorkloadRegistry {
 public:
  static const WorkloadRegistry &global();

  void add(OpDefinition def);
  const std::vector<OpDefinition> &ops() const { return ops_; }
  const OpDefinition *find(const std::string &name) const;

  /// Parses and validates a key (throws UserError(BadWorkload) naming the bad part); fields
  /// left out take their defaults. Every field must lie in its spec's range, and every tensor of
  /// the built DAG must have extents >= 1 and fewer than kExtentLimit elements.
  Workload parse(const std::string &key) const;
  /// The canonical key of op with params (every field in declaration order, except those not
  /// keyed at their default).
  static std::string canonical_key(const OpDefinition &def, const ParamMap &params);

 private:
  std::vector<OpDefinition> ops_;
};

/// Shorthand for WorkloadRegistry::global().parse(key).
Workload parse_workload(const std::string &key);

/// "conv2d_nhwc:N=1,H=7" -> "conv2d_nhwc_N_1_H_7": a workload key as a file name (the one
/// bench/tune_bench.sh spells in shell).
std::string workload_slug(const std::string &key);

}  // namespace worldtune::ir
