/// \file Encoding the ops of a ComputeDAG as fixed-width rows.
#include "tokens/program_rows.h"

#include <cmath>

namespace worldtune::tokens {

float log2p(double x) {
  return static_cast<float>(std::copysign(std::log2(std::fabs(x) + 1.0), x));
}

namespace {

/// The loads of tensor `id` in `body`.
std::vector<ir::Expr> loads_of(const ir::Expr &body, int id) {
  std::vector<ir::Expr> out;
  ir::visit(body, [&](const ir::Expr &x) {
    if (x.kind() == ir::ExprKind::Load && x->id == id) out.push_back(x);
  });
  return out;
}

void append_input(const ir::ComputeDAG &dag, const ir::Op &op, int producer, float *out) {
  std::vector<ir::Expr> loads = loads_of(op.body, producer);
  const ir::Expr &inner = loads.front()->args.back();
  bool is_var = inner.kind() == ir::ExprKind::Var;
  int n_spatial = static_cast<int>(op.axes.size());
  out[0] = log2p(static_cast<double>(dag.op(producer).num_elements()));
  out[1] = static_cast<float>(dag.op(producer).axes.size()) / 4.0f;
  out[2] = is_var && inner->id == n_spatial - 1 ? 1.0f : 0.0f;
  out[3] = is_var && inner->id >= n_spatial ? 1.0f : 0.0f;
  out[4] = static_cast<float>(loads.size()) / 4.0f;
}

void encode_op(const ir::ComputeDAG &dag, int id, float *row) {
  const ir::Op &op = dag.op(id);
  const ir::OpAccessInfo &a = dag.access(id);
  float *r = row;
  for (bool f : {op.is_placeholder, a.is_output, a.is_strictly_inlineable,
                 a.needs_multi_level_tiling, a.is_simple_access})
    *r++ = f ? 1.0f : 0.0f;
  r[static_cast<int>(op.reduce)] = 1.0f;
  r += 4;
  *r++ = static_cast<float>(op.axes.size()) / 4.0f;
  *r++ = static_cast<float>(op.reduce_axes.size()) / 4.0f;
  for (size_t i = 0; i < op.axes.size() && i < kMaxRowSpatial; ++i)
    r[i] = log2p(static_cast<double>(op.axes[i].extent));
  r += kMaxRowSpatial;
  double reduce_len = 1;
  for (size_t i = 0; i < op.reduce_axes.size(); ++i) {
    if (i < kMaxRowReduce) r[i] = log2p(static_cast<double>(op.reduce_axes[i].extent));
    reduce_len *= static_cast<double>(op.reduce_axes[i].extent);
  }
  r += kMaxRowReduce;
  *r++ = log2p(dag.op_flop_count(id));
  *r++ = log2p(static_cast<double>(op.num_elements()));
  *r++ = log2p(reduce_len);
  *r++ = static_cast<float>(dag.producers(id).size()) / 4.0f;
  *r++ = static_cast<float>(dag.consumers(id).size()) / 4.0f;
  const std::vector<int> &producers = dag.producers(id);
  for (size_t i = 0; i < producers.size() && i < kMaxRowInputs; ++i)
    append_input(dag, op, producers[i], r + i * kInputWidth);
}

}  // namespace

ProgramRows encode_program(const ir::ComputeDAG &dag) {
  ProgramRows p;
  p.num_stages = dag.num_ops();
  p.rows.assign(static_cast<size_t>(p.num_stages) * kProgramRowWidth, 0.0f);
  double input_elements = 0;
  int computes = 0;
  for (int i = 0; i < p.num_stages; ++i) {
    encode_op(dag, i, p.rows.data() + static_cast<size_t>(i) * kProgramRowWidth);
    p.producers.push_back(dag.producers(i));
    if (dag.op(i).is_placeholder)
      input_elements += static_cast<double>(dag.op(i).num_elements());
    else
      ++computes;
  }
  p.global = {log2p(dag.flop_count()), static_cast<float>(p.num_stages) / 8.0f,
              static_cast<float>(computes) / 8.0f, log2p(4.0 * input_elements)};
  return p;
}

}  // namespace worldtune::tokens
