/// \file ComputeDAG construction and Ansor's access analysis.
#include "ir/compute_dag.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "worldtune/error.h"

namespace worldtune::ir {

const char *reduce_kind_name(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::None:
      return "none";
    case ReduceKind::Sum:
      return "sum";
    case ReduceKind::Max:
      return "max";
    case ReduceKind::Min:
      return "min";
  }
  return "?";
}

double reduce_identity(ReduceKind kind) {
  switch (kind) {
    case ReduceKind::Max:
      return -std::numeric_limits<double>::infinity();
    case ReduceKind::Min:
      return std::numeric_limits<double>::infinity();
    default:
      return 0.0;
  }
}

std::vector<int64_t> Op::shape() const {
  std::vector<int64_t> s;
  for (const Axis &a : axes) s.push_back(a.extent);
  return s;
}

int64_t Op::num_elements() const {
  int64_t n = 1;
  for (const Axis &a : axes) n *= a.extent;
  return n;
}

std::vector<std::string> Op::var_names() const {
  std::vector<std::string> names;
  for (const Axis &a : axes) names.push_back(a.name);
  for (const Axis &a : reduce_axes) names.push_back(a.name);
  return names;
}

namespace {

/// `axis`, `axis + c`, `axis - c` or a constant.
bool is_simple_index(const Expr &e) {
  switch (e.kind()) {
    case ExprKind::Var:
    case ExprKind::IntImm:
      return true;
    case ExprKind::Add:
      return (e->args[0].kind() == ExprKind::Var && e->args[1].kind() == ExprKind::IntImm) ||
             (e->args[1].kind() == ExprKind::Var && e->args[0].kind() == ExprKind::IntImm);
    case ExprKind::Sub:
      return e->args[0].kind() == ExprKind::Var && e->args[1].kind() == ExprKind::IntImm;
    default:
      return false;
  }
}

void gather_vars(const Expr &e, std::set<int> *vars) {
  visit(e, [&](const Expr &x) {
    if (x.kind() == ExprKind::Var) vars->insert(x->id);
  });
}

/// All loads of one tensor inside an expression.
std::vector<Expr> loads_of(const Expr &body, int tensor) {
  std::vector<Expr> out;
  visit(body, [&](const Expr &x) {
    if (x.kind() == ExprKind::Load && x->id == tensor) out.push_back(x);
  });
  return out;
}

double count_float_ops(const Expr &e) {
  double n = 0;
  visit(e, [&](const Expr &x) {
    if (!x.is_float()) return;
    switch (x.kind()) {
      case ExprKind::Add:
      case ExprKind::Sub:
      case ExprKind::Mul:
      case ExprKind::Div:
      case ExprKind::Min:
      case ExprKind::Max:
      case ExprKind::Exp:
      case ExprKind::Sqrt:
      case ExprKind::Tanh:
      case ExprKind::Erf:
        n += 1;
        break;
      default:
        break;
    }
  });
  return n;
}

OpAccessInfo analyze(const Op &op, const std::vector<int> &producers, bool is_output) {
  OpAccessInfo info;
  info.is_output = is_output;
  if (op.is_placeholder) return info;
  bool has_exp = false, has_branch = false, in_order = true;
  visit(op.body, [&](const Expr &x) {
    if (x.kind() == ExprKind::Exp) has_exp = true;
    if (x.kind() == ExprKind::Select) has_branch = true;
    if (x.kind() != ExprKind::Load) return;
    int last = -1;
    std::set<int> seen;
    for (const Expr &idx : x->args) {
      if (!is_simple_index(idx)) {
        info.is_simple_access = false;
        continue;
      }
      std::set<int> vs;
      gather_vars(idx, &vs);
      for (int v : vs) {
        if (seen.count(v) || v < last) in_order = false;
        seen.insert(v);
        last = v;
      }
    }
  });
  info.is_strictly_inlineable =
      op.reduce_axes.empty() && info.is_simple_access && !has_exp && !has_branch && in_order;
  int n_missing = 0;
  for (int p : producers) {
    std::set<int> vars;
    for (const Expr &load : loads_of(op.body, p))
      for (const Expr &idx : load->args) gather_vars(idx, &vars);
    bool missing = false;
    for (size_t a = 0; a < op.axes.size(); ++a)
      if (op.axes[a].extent > 1 && !vars.count(static_cast<int>(a))) missing = true;
    if (missing) ++n_missing;
    if (n_missing >= 2 || (n_missing >= 1 && !op.reduce_axes.empty())) {
      info.needs_multi_level_tiling = true;
      break;
    }
  }
  return info;
}

}  // namespace

ComputeDAG::ComputeDAG(std::vector<Op> ops) : ops_(std::move(ops)) {
  int n = num_ops();
  consumers_.assign(n, {});
  producers_.assign(n, {});
  op_flops_.assign(n, 0.0);
  for (int i = 0; i < n; ++i) {
    const Op &op = ops_[i];
    if (op.is_placeholder) continue;
    WT_ASSERT(op.body.defined(), "compute op " << op.name << " has no body");
    std::set<int> prods;
    visit(op.body, [&](const Expr &x) {
      if (x.kind() == ExprKind::Load) {
        WT_ASSERT(x->id >= 0 && x->id < i, "op " << op.name << " reads a later op");
        WT_ASSERT(x->args.size() == ops_[x->id].axes.size(),
                  "op " << op.name << " reads " << ops_[x->id].name << " with wrong rank");
        prods.insert(x->id);
      }
    });
    producers_[i].assign(prods.begin(), prods.end());
    for (int p : prods) consumers_[p].push_back(i);
    double reduce_len = 1;
    for (const Axis &a : op.reduce_axes) reduce_len *= static_cast<double>(a.extent);
    double combine = op.reduce == ReduceKind::None ? 0 : 1;
    op_flops_[i] =
        static_cast<double>(op.num_elements()) * reduce_len * (count_float_ops(op.body) + combine);
    flops_ += op_flops_[i];
  }
  // A program without arithmetic (a copy, a concat) counts one per output element, so that its
  // throughput, and the cost models' targets, stay defined.
  if (flops_ == 0)
    for (int i = 0; i < n; ++i)
      if (!ops_[i].is_placeholder && consumers_[i].empty())
        flops_ += op_flops_[i] = static_cast<double>(ops_[i].num_elements());
  for (int i = 0; i < n; ++i)
    access_.push_back(analyze(ops_[i], producers_[i], consumers_[i].empty()));
}

int ComputeDAG::find_op(const std::string &name) const {
  for (int i = 0; i < num_ops(); ++i)
    if (ops_[i].name == name) return i;
  return -1;
}

std::vector<int> ComputeDAG::outputs() const {
  std::vector<int> out;
  for (int i = 0; i < num_ops(); ++i)
    if (!ops_[i].is_placeholder && consumers_[i].empty()) out.push_back(i);
  return out;
}

std::vector<int> ComputeDAG::placeholders() const {
  std::vector<int> out;
  for (int i = 0; i < num_ops(); ++i)
    if (ops_[i].is_placeholder) out.push_back(i);
  return out;
}

bool ComputeDAG::elementwise_match(int op, int target) const {
  int cur = op;
  while (cur != target) {
    if (consumers_[cur].size() != 1) return false;
    int next = consumers_[cur][0];
    const Op &n = ops_[next];
    if (!n.reduce_axes.empty() || n.shape() != ops_[cur].shape()) return false;
    for (const Expr &load : loads_of(n.body, cur))
      for (size_t d = 0; d < load->args.size(); ++d) {
        const Expr &idx = load->args[d];
        if (idx.kind() != ExprKind::Var || idx->id != static_cast<int>(d)) return false;
      }
    cur = next;
  }
  return true;
}

std::string ComputeDAG::to_string() const {
  std::vector<std::string> tensor_names;
  for (const Op &op : ops_) tensor_names.push_back(op.name);
  std::ostringstream os;
  for (const Op &op : ops_) {
    os << op.name << "[";
    for (size_t i = 0; i < op.axes.size(); ++i)
      os << (i ? ", " : "") << op.axes[i].name << ":" << op.axes[i].extent;
    os << "]";
    if (op.is_placeholder) {
      os << " = placeholder\n";
      continue;
    }
    os << " = ";
    if (op.reduce != ReduceKind::None) {
      os << reduce_kind_name(op.reduce) << "(";
      for (size_t i = 0; i < op.reduce_axes.size(); ++i)
        os << op.reduce_axes[i].name << ":" << op.reduce_axes[i].extent << ", ";
    }
    os << ir::to_string(op.body, op.var_names(), tensor_names);
    if (op.reduce != ReduceKind::None) os << ")";
    os << "\n";
  }
  return os.str();
}

Expr Tensor::operator()(std::vector<Expr> indices) const {
  WT_ASSERT(indices.size() == shape.size(),
            "tensor of rank " << shape.size() << " indexed with " << indices.size() << " indices");
  return Expr::load(id, std::move(indices));
}

Tensor DagBuilder::placeholder(const std::string &name, std::vector<int64_t> shape) {
  Op op;
  op.name = name;
  op.is_placeholder = true;
  for (size_t i = 0; i < shape.size(); ++i) op.axes.push_back({"ax" + std::to_string(i), shape[i]});
  ops_.push_back(op);
  return Tensor{static_cast<int>(ops_.size()) - 1, shape};
}

Tensor DagBuilder::compute(const std::string &name, std::vector<Axis> axes,
                           const std::function<Expr(const Vars &)> &fn) {
  return reduce(name, std::move(axes), {}, ReduceKind::None,
                [&](const Vars &s, const Vars &) { return fn(s); });
}

Tensor DagBuilder::reduce(const std::string &name, std::vector<Axis> axes,
                          std::vector<Axis> reduce_axes, ReduceKind kind,
                          const std::function<Expr(const Vars &, const Vars &)> &fn) {
  WT_ASSERT(reduce_axes.empty() == (kind == ReduceKind::None), "reduce kind/axes mismatch");
  Op op;
  op.name = name;
  op.axes = std::move(axes);
  op.reduce_axes = std::move(reduce_axes);
  op.reduce = kind;
  Vars s, r;
  for (size_t i = 0; i < op.axes.size(); ++i) s.push_back(Expr::var(static_cast<int>(i)));
  for (size_t i = 0; i < op.reduce_axes.size(); ++i)
    r.push_back(Expr::var(static_cast<int>(op.axes.size() + i)));
  op.body = fn(s, r);
  if (!op.body.is_float()) op.body = op.body * Expr(1.0);
  ops_.push_back(op);
  return Tensor{static_cast<int>(ops_.size()) - 1, op.shape()};
}

Tensor pad(DagBuilder &b, const std::string &name, const Tensor &in,
           const std::vector<int64_t> &before, const std::vector<int64_t> &after, double value) {
  std::vector<Axis> axes;
  for (size_t i = 0; i < in.shape.size(); ++i)
    axes.push_back({"i" + std::to_string(i), in.shape[i] + before[i] + after[i]});
  return b.compute(name, axes, [&](const Vars &v) {
    Expr cond;
    Vars idx;
    for (size_t i = 0; i < v.size(); ++i) {
      idx.push_back(before[i] ? v[i] - Expr(before[i]) : v[i]);
      if (before[i] == 0 && after[i] == 0) continue;
      Expr c = (v[i] >= Expr(before[i])) && (v[i] < Expr(before[i] + in.shape[i]));
      cond = cond.defined() ? (cond && c) : c;
    }
    if (!cond.defined()) return in(idx);
    return select(cond, in(idx), Expr(value));
  });
}

}  // namespace worldtune::ir
