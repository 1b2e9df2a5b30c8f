/// \file Reference interpreter.
#include "ir/interpreter.h"

#include <cmath>

#include "support/rng.h"
#include "worldtune/error.h"

namespace worldtune::ir {

namespace {

double eval_value(const Expr &e, const std::vector<int64_t> &vars, const ComputeDAG &dag,
                  const std::vector<std::vector<float>> &bufs) {
  auto ev = [&](int i) { return eval_value(e->args[i], vars, dag, bufs); };
  switch (e.kind()) {
    case ExprKind::FloatImm:
      return e->float_value;
    case ExprKind::IntImm:
    case ExprKind::Var:
      return static_cast<double>(eval_int(e, vars));
    case ExprKind::Load: {
      const Op &op = dag.op(e->id);
      int64_t flat = 0;
      for (size_t d = 0; d < e->args.size(); ++d) {
        int64_t i = eval_int(e->args[d], vars);
        WT_ASSERT(i >= 0 && i < op.axes[d].extent,
                  "reference read out of bounds: " << op.name << " dim " << d << " at " << i);
        flat = flat * op.axes[d].extent + i;
      }
      return bufs[e->id][flat];
    }
    case ExprKind::Add:
      return ev(0) + ev(1);
    case ExprKind::Sub:
      return ev(0) - ev(1);
    case ExprKind::Mul:
      return ev(0) * ev(1);
    case ExprKind::Div:
      return ev(0) / ev(1);
    case ExprKind::Min:
      return std::min(ev(0), ev(1));
    case ExprKind::Max:
      return std::max(ev(0), ev(1));
    case ExprKind::Select:
      // Lazy: the untaken branch may index out of bounds (padding).
      return eval_int(e->args[0], vars) ? ev(1) : ev(2);
    case ExprKind::Exp:
      return std::exp(ev(0));
    case ExprKind::Sqrt:
      return std::sqrt(ev(0));
    case ExprKind::Tanh:
      return std::tanh(ev(0));
    case ExprKind::Erf:
      return std::erf(ev(0));
    default:
      return static_cast<double>(eval_int(e, vars));
  }
}

/// Advances a multi-index odometer; false when it wraps.
bool next_index(std::vector<int64_t> &idx, const std::vector<int64_t> &extents, size_t begin,
                size_t end) {
  for (size_t d = end; d-- > begin;) {
    if (++idx[d] < extents[d]) return true;
    idx[d] = 0;
  }
  return false;
}

}  // namespace

std::vector<std::vector<float>> interpret(const ComputeDAG &dag,
                                          std::vector<std::vector<float>> bufs) {
  bufs.resize(dag.num_ops());
  for (int id = 0; id < dag.num_ops(); ++id) {
    const Op &op = dag.op(id);
    if (op.is_placeholder) {
      WT_ASSERT(static_cast<int64_t>(bufs[id].size()) == op.num_elements(),
                "input " << op.name << " has the wrong size");
      continue;
    }
    std::vector<int64_t> extents;
    for (const Axis &a : op.axes) extents.push_back(a.extent);
    size_t ns = extents.size();
    for (const Axis &a : op.reduce_axes) extents.push_back(a.extent);
    std::vector<float> &out = bufs[id];
    out.assign(op.num_elements(), 0.f);
    std::vector<int64_t> idx(extents.size(), 0);
    int64_t flat = 0;
    do {
      for (size_t d = ns; d < idx.size(); ++d) idx[d] = 0;
      double acc = reduce_identity(op.reduce);
      do {
        double v = eval_value(op.body, idx, dag, bufs);
        switch (op.reduce) {
          case ReduceKind::None:
            acc = v;
            break;
          case ReduceKind::Sum:
            acc += v;
            break;
          case ReduceKind::Max:
            acc = std::max(acc, v);
            break;
          case ReduceKind::Min:
            acc = std::min(acc, v);
            break;
        }
      } while (next_index(idx, extents, ns, idx.size()));
      out[flat++] = static_cast<float>(acc);
    } while (next_index(idx, extents, 0, ns));
  }
  return bufs;
}

std::vector<std::vector<float>> random_inputs(const ComputeDAG &dag, uint64_t seed) {
  std::vector<std::vector<float>> bufs(dag.num_ops());
  Rng rng(seed);
  for (int id : dag.placeholders()) {
    bufs[id].resize(dag.op(id).num_elements());
    for (float &x : bufs[id]) x = static_cast<float>(rng.uniform_real());
  }
  return bufs;
}

}  // namespace worldtune::ir
