/// \file Lowering of a State to Halide Funcs and schedule directives (ansor-on-halide.md §8):
/// splits and fuses replayed in history order with factors from bound inference, one final
/// reorder per definition, annotations, Ansor's auto_unroll pragma emulated by explicit unrolls,
/// and the pure (init) definition of every reduction following the update's spatial tiling.
#include "schedule/halide_program.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "schedule/bound_inference.h"
#include "worldtune/error.h"

namespace worldtune::schedule {

std::string sanitize_identifier(const std::string &name) {
  static const std::set<std::string> kReserved = {
      "exp",      "sqrt",       "tanh",   "erf",    "min",    "max",   "select", "clamp", "sum",
      "abs",      "pow",        "log",    "int",    "float", "for",    "if",    "do",
      "case",     "default",    "new",    "delete", "char",  "long",   "short", "auto",
      "const",    "return",     "Var",    "RVar",   "Func",  "RDom",   "Expr",  "Halide",
      "Pipeline", "ImageParam", "Target", "f",      "t"};
  std::string out;
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (ok)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "v" + out;
  if (kReserved.count(out)) out += "_";
  return out;
}

namespace {

/// Hands out unique identifiers inside one Func.
class NameTable {
 public:
  std::string unique(const std::string &base) {
    std::string s = sanitize_identifier(base);
    std::string candidate = s;
    for (int i = 2; used_.count(candidate); ++i) candidate = s + "_" + std::to_string(i);
    used_.insert(candidate);
    return candidate;
  }

 private:
  std::set<std::string> used_;
};

struct StageLowering {
  const State &state;
  const StageBounds &bounds;
  int stage_id;
  HalideFunc &func;
  std::map<int, VarRef> refs;      ///< uid -> Halide var
  std::map<int, bool> is_spatial;  ///< uid -> derives only from spatial axes
  NameTable names;
  bool is_reduction = false;

  int main_def() const { return is_reduction ? 0 : -1; }

  void emit(DirectiveKind kind, std::vector<VarRef> vars, bool mirror_to_pure, int64_t factor = 0,
            bool guard = false) {
    Directive d;
    d.kind = kind;
    d.definition = main_def();
    d.vars = vars;
    d.factor = factor;
    d.guard = guard;
    func.directives.push_back(d);
    if (is_reduction && mirror_to_pure) {
      for (VarRef &v : d.vars) v.is_rvar = false;
      d.definition = -1;
      func.directives.push_back(d);
    }
  }

  VarRef make_ref(const std::string &base, bool spatial) {
    VarRef r;
    r.name = names.unique(base);
    r.is_rvar = !spatial;
    return r;
  }

  void lower_relations() {
    const Stage &st = state.stage(stage_id);
    for (const IterRelation &rel : st.relations) {
      if (rel.is_split) {
        int in = rel.inputs[0];
        bool spatial = is_spatial.at(in);
        std::vector<VarRef> outs;
        for (size_t i = 0; i < rel.outputs.size(); ++i) {
          outs.push_back(make_ref(rel.names[i], spatial));
          is_spatial[rel.outputs[i]] = spatial;
        }
        VarRef cur = refs.at(in);
        int64_t r = bounds.uid_extent.at(in);
        for (size_t t = rel.lengths.size(); t >= 1; --t) {
          int64_t f = std::min(std::max<int64_t>(rel.lengths[t - 1], 1), r);
          VarRef outer = t == 1 ? outs[0] : make_ref(cur.name + "_o", spatial);
          emit(DirectiveKind::Split, {cur, outer, outs[t]}, spatial, f, r % f != 0);
          r = (r + f - 1) / f;
          cur = outer;
        }
        for (size_t i = 0; i < rel.outputs.size(); ++i) refs[rel.outputs[i]] = outs[i];
      } else {
        bool spatial = true;
        for (int in : rel.inputs) spatial = spatial && is_spatial.at(in);
        const std::string &base = rel.names[0];
        VarRef cur = refs.at(rel.inputs.back());
        for (size_t i = rel.inputs.size() - 1; i >= 1; --i) {
          VarRef fused = make_ref(i == 1 ? base : base + "_f", spatial);
          // A fuse of a Var with an RVar is an RVar in Halide.
          fused.is_rvar = !spatial;
          emit(DirectiveKind::Fuse, {cur, refs.at(rel.inputs[i - 1]), fused}, spatial);
          cur = fused;
        }
        refs[rel.outputs[0]] = cur;
        is_spatial[rel.outputs[0]] = spatial;
      }
    }
  }

  void lower_loop_order_and_annotations() {
    const Stage &st = state.stage(stage_id);
    std::vector<VarRef> order, pure_order;
    for (size_t i = st.iters.size(); i-- > 0;) {
      order.push_back(refs.at(st.iters[i].uid));
      if (is_spatial.at(st.iters[i].uid)) pure_order.push_back(refs.at(st.iters[i].uid));
    }
    if (order.size() > 1) emit(DirectiveKind::Reorder, order, false);
    if (is_reduction && pure_order.size() > 1) {
      Directive d;
      d.kind = DirectiveKind::Reorder;
      d.definition = -1;
      d.vars = pure_order;
      for (VarRef &v : d.vars) v.is_rvar = false;
      func.directives.push_back(d);
    }
    for (const Iterator &it : st.iters) {
      bool spatial = is_spatial.at(it.uid);
      switch (it.annotation) {
        case IterAnnotation::None:
          break;
        case IterAnnotation::Parallel:
          emit(DirectiveKind::Parallel, {refs.at(it.uid)}, spatial);
          break;
        case IterAnnotation::Vectorize:
          emit(DirectiveKind::Vectorize, {refs.at(it.uid)}, spatial);
          break;
        case IterAnnotation::Unroll:
          emit(DirectiveKind::Unroll, {refs.at(it.uid)}, spatial);
          break;
        default:
          throw UserError(ErrorKind::BadSchedule, std::string("annotation ") +
                                                      annotation_name(it.annotation) + " on " +
                                                      it.name + " needs a GPU target");
      }
    }
    // Ansor's auto_unroll_max_step pragma: unroll the innermost serial loops while the unrolled
    // body stays within the budget (vectorized loops count once), up to depth 8, never through a
    // loop that other stages are computed at.
    int budget = st.auto_unroll_max_step;
    if (budget <= 0) return;
    int64_t product = 1;
    int depth = 0;
    for (size_t i = st.iters.size(); i-- > 0;) {
      const Iterator &it = st.iters[i];
      if (!state.attached_to(stage_id, it.uid).empty()) break;
      if (it.annotation == IterAnnotation::Vectorize) continue;
      if (it.annotation != IterAnnotation::None) break;
      product *= bounds.uid_extent.at(it.uid);
      if (product > budget || ++depth > 8) break;
      emit(DirectiveKind::Unroll, {refs.at(it.uid)}, is_spatial.at(it.uid));
    }
  }

  void lower() {
    const ir::Op &op = state.dag().op(stage_id);
    const Stage &st = state.stage(stage_id);
    is_reduction = !op.reduce_axes.empty();
    for (size_t i = 0; i < op.axes.size(); ++i) {
      VarRef r;
      r.name = names.unique(op.axes[i].name);
      func.pure_vars.push_back(r.name);
      refs[static_cast<int>(i)] = r;
      is_spatial[static_cast<int>(i)] = true;
    }
    for (size_t j = 0; j < op.reduce_axes.size(); ++j) {
      VarRef r;
      r.name = names.unique(op.reduce_axes[j].name);
      r.is_rvar = true;
      r.rdom_dim = static_cast<int>(j);
      int uid = static_cast<int>(op.axes.size() + j);
      refs[uid] = r;
      is_spatial[uid] = false;
    }
    if (st.compute_at == ComputeAtKind::Inlined) {
      Directive d;
      d.kind = DirectiveKind::ComputeInline;
      func.directives.push_back(d);
      return;
    }
    lower_relations();
    lower_loop_order_and_annotations();
  }
};

HalideProgram program_skeleton(std::shared_ptr<const ir::ComputeDAG> dag) {
  HalideProgram p;
  p.dag = dag;
  NameTable func_names;
  for (int i = 0; i < dag->num_ops(); ++i) {
    HalideFunc f;
    f.name = func_names.unique(dag->op(i).name);
    f.op_id = i;
    f.is_input = dag->op(i).is_placeholder;
    f.is_output = !f.is_input && dag->consumers(i).empty();
    if (f.is_input) p.inputs.push_back(i);
    if (f.is_output) p.outputs.push_back(i);
    for (const ir::Axis &a : dag->op(i).axes) f.pure_vars.push_back(sanitize_identifier(a.name));
    p.funcs.push_back(f);
  }
  return p;
}

}  // namespace

HalideProgram lower_to_halide(const State &state) {
  WT_USER_CHECK(state.is_concrete(), BadSchedule,
                "the schedule still has undefined split lengths (a sketch, not a program)");
  HalideProgram p = program_skeleton(state.dag_ptr());
  std::vector<StageBounds> bounds = infer_bound(state);
  std::vector<std::map<int, VarRef>> refs(state.num_stages());
  for (int s = 0; s < state.num_stages(); ++s) {
    if (p.funcs[s].is_input) continue;
    p.funcs[s].pure_vars.clear();
    StageLowering l{state, bounds[s], s, p.funcs[s], {}, {}, {}};
    l.lower();
    refs[s] = l.refs;
  }
  // Compute locations last: they name loops of other Funcs.
  for (int s = 0; s < state.num_stages(); ++s) {
    const Stage &st = state.stage(s);
    HalideFunc &f = p.funcs[s];
    if (f.is_input || f.is_output || st.compute_at == ComputeAtKind::Inlined) continue;
    Directive d;
    if (st.compute_at == ComputeAtKind::Root) {
      d.kind = DirectiveKind::ComputeRoot;
    } else {
      d.kind = DirectiveKind::ComputeAt;
      d.target_func = st.attach_stage;
      d.vars = {refs[st.attach_stage].at(st.attach_uid)};
    }
    f.directives.push_back(d);
  }
  return p;
}

HalideProgram naive_halide_program(std::shared_ptr<const ir::ComputeDAG> dag) {
  HalideProgram p = program_skeleton(dag);
  for (HalideFunc &f : p.funcs) {
    if (f.is_input || f.is_output) continue;
    Directive d;
    d.kind = DirectiveKind::ComputeRoot;
    f.directives.push_back(d);
  }
  return p;
}

}  // namespace worldtune::schedule
