/// \file State construction, queries and printing.
#include "schedule/state.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "worldtune/error.h"

namespace worldtune::schedule {

const char *annotation_name(IterAnnotation a) {
  switch (a) {
    case IterAnnotation::None:
      return "for";
    case IterAnnotation::Unroll:
      return "unroll";
    case IterAnnotation::Vectorize:
      return "vectorize";
    case IterAnnotation::Parallel:
      return "parallel";
    case IterAnnotation::VThread:
      return "vthread";
    case IterAnnotation::BlockX:
      return "blockIdx.x";
    case IterAnnotation::ThreadX:
      return "threadIdx.x";
    case IterAnnotation::BlockY:
      return "blockIdx.y";
    case IterAnnotation::ThreadY:
      return "threadIdx.y";
    case IterAnnotation::BlockZ:
      return "blockIdx.z";
    case IterAnnotation::ThreadZ:
      return "threadIdx.z";
    case IterAnnotation::Tensorize:
      return "tensorize";
  }
  return "?";
}

int Stage::find_iter(int uid) const {
  for (size_t i = 0; i < iters.size(); ++i)
    if (iters[i].uid == uid) return static_cast<int>(i);
  return -1;
}

Stage make_stage(const ir::ComputeDAG &dag, int op_id) {
  Stage st;
  st.op_id = op_id;
  const ir::Op &op = dag.op(op_id);
  if (op.is_placeholder) return st;
  for (const ir::Axis &a : op.axes)
    st.iters.push_back({a.name, a.extent, IterKind::Spatial, IterAnnotation::None, st.next_uid++});
  for (const ir::Axis &a : op.reduce_axes)
    st.iters.push_back(
        {a.name, a.extent, IterKind::Reduction, IterAnnotation::None, st.next_uid++});
  return st;
}

std::vector<ir::Expr> axis_exprs(const Stage &stage, const ir::ComputeDAG &dag) {
  const ir::Op &op = dag.op(stage.op_id);
  std::vector<ir::Expr> exprs;
  for (int i = 0; i < op.num_vars(); ++i) exprs.push_back(ir::Expr::var(i));
  for (const IterRelation &rel : stage.relations) {
    std::map<int, ir::Expr> repl;
    if (rel.is_split) {
      // value = sum_i out_i * (product of the lengths inside part i)
      ir::Expr value;
      int64_t stride = 1;
      for (size_t i = rel.outputs.size(); i-- > 0;) {
        ir::Expr term = ir::Expr::var(rel.outputs[i]) * ir::Expr(stride);
        value = value.defined() ? term + value : term;
        if (i > 0) stride *= std::max<int64_t>(rel.lengths[i - 1], 1);
      }
      repl[rel.inputs[0]] = ir::simplify(value);
    } else {
      int64_t inner = 1;
      for (size_t i = rel.inputs.size(); i-- > 0;) {
        ir::Expr f = ir::Expr::var(rel.outputs[0]);
        ir::Expr v = ir::floordiv(f, ir::Expr(inner));
        if (i > 0) v = ir::floormod(v, ir::Expr(std::max<int64_t>(rel.lengths[i], 1)));
        repl[rel.inputs[i]] = ir::simplify(v);
        inner *= std::max<int64_t>(rel.lengths[i], 1);
      }
    }
    for (ir::Expr &e : exprs) {
      e = ir::mutate(e, [&](const ir::Expr &x) -> ir::Expr {
        if (x.kind() != ir::ExprKind::Var) return ir::Expr();
        auto it = repl.find(x->id);
        return it == repl.end() ? ir::Expr() : it->second;
      });
    }
  }
  return exprs;
}

State::State(std::shared_ptr<const ir::ComputeDAG> dag) : initial_dag_(dag), dag_(dag) {
  for (int i = 0; i < dag->num_ops(); ++i) stages_.push_back(make_stage(*dag, i));
}

void State::apply(const Step &step) {
  apply_step(*this, step);
  steps_.push_back(step);
}

State State::replay(std::shared_ptr<const ir::ComputeDAG> initial_dag,
                    const std::vector<Step> &steps) {
  State s(std::move(initial_dag));
  for (size_t i = 0; i < steps.size(); ++i) {
    try {
      s.apply(steps[i]);
    } catch (const UserError &e) {
      throw UserError(ErrorKind::BadSchedule,
                      "step " + std::to_string(i) + " (" + step_tag(steps[i]) + "): " + e.what());
    }
  }
  return s;
}

std::vector<int> State::consumers(int id) const {
  std::set<int> out;
  std::function<void(int)> walk = [&](int s) {
    for (int c : dag_->consumers(s)) {
      if (stages_[c].compute_at == ComputeAtKind::Inlined)
        walk(c);
      else
        out.insert(c);
    }
  };
  walk(id);
  return {out.begin(), out.end()};
}

std::vector<int> State::attached_to(int id, int uid) const {
  std::vector<int> out;
  for (int s = 0; s < num_stages(); ++s)
    if (stages_[s].compute_at == ComputeAtKind::Iter && stages_[s].attach_stage == id &&
        stages_[s].attach_uid == uid)
      out.push_back(s);
  return out;
}

bool State::is_tiled(int id) const {
  const ir::Op &op = dag_->op(stages_[id].op_id);
  return static_cast<int>(stages_[id].iters.size()) != op.num_vars();
}

bool State::has_reduce_iter(int id) const {
  for (const Iterator &it : stages_[id].iters)
    if (it.kind == IterKind::Reduction || it.kind == IterKind::Mixed) return true;
  return false;
}

bool State::has_cache_write_stage(int id) const {
  for (const Step &s : steps_)
    if (const auto *p = std::get_if<CacheWriteStep>(&s); p && p->stage == id) return true;
  return false;
}

bool State::is_concrete() const {
  for (const Stage &st : stages_)
    for (const Iterator &it : st.iters)
      if (it.extent == 0) return false;
  return true;
}

void State::insert_stage(int inserted, const std::vector<int> &fresh) {
  stages_.insert(stages_.begin() + inserted, Stage());
  for (Stage &st : stages_) {
    if (st.op_id >= inserted) st.op_id += 1;
    if (st.attach_stage >= inserted) st.attach_stage += 1;
  }
  for (int f : fresh) {
    stages_[f] = make_stage(*dag_, f);
    for (Stage &st : stages_)
      if (st.compute_at == ComputeAtKind::Iter && st.attach_stage == f) {
        st.compute_at = ComputeAtKind::Root;
        st.attach_stage = st.attach_uid = -1;
      }
  }
  for (int i = 0; i < num_stages(); ++i) stages_[i].op_id = i;
}

std::string State::to_string() const {
  std::ostringstream os;
  std::vector<std::string> placeholders;
  for (int i = 0; i < num_stages(); ++i)
    if (dag_->op(i).is_placeholder) placeholders.push_back(dag_->op(i).name);
  os << "Placeholder: ";
  for (size_t i = 0; i < placeholders.size(); ++i) os << (i ? ", " : "") << placeholders[i];
  os << "\n";
  std::function<void(int, int)> print_stage = [&](int id, int indent) {
    const Stage &st = stages_[id];
    int depth = indent;
    for (const Iterator &it : st.iters) {
      os << std::string(depth * 2, ' ') << annotation_name(it.annotation) << " " << it.name
         << " (0," << it.extent << ")";
      if (st.auto_unroll_max_step > 0 && &it == &st.iters.front())
        os << "  [auto_unroll_max_step=" << st.auto_unroll_max_step << "]";
      os << "\n";
      ++depth;
      for (int a : attached_to(id, it.uid)) print_stage(a, depth);
    }
    os << std::string(depth * 2, ' ') << dag_->op(id).name << " = ...\n";
  };
  for (int i = 0; i < num_stages(); ++i) {
    const Stage &st = stages_[i];
    if (dag_->op(i).is_placeholder || st.compute_at != ComputeAtKind::Root) continue;
    print_stage(i, 0);
  }
  return os.str();
}

std::string State::key() const { return steps_to_json(steps_).dump(); }

}  // namespace worldtune::schedule
