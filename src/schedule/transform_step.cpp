/// \file The effect of each transform step on a State, validated so that an invalid step list
/// raises UserError(BadSchedule) instead of crashing.
#include "schedule/transform_step.h"

#include <algorithm>
#include <set>

#include "schedule/state.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::schedule {

const char *step_tag(const Step &step) {
  static const char *kTags[] = {"SP", "FSP", "FFSP", "RE",  "FU",  "AN", "PR",
                                "CA", "CI",  "CR",   "CHR", "CHW", "RF"};
  return kTags[step.index()];
}

int step_stage(const Step &step) {
  return std::visit([](const auto &s) { return s.stage; }, step);
}

namespace {

/// Largest split length or extent accepted from a step list (products stay far from overflow).
constexpr int64_t kMaxLength = int64_t{1} << 31;

/// a * b, or a UserError when a step list's lengths multiply beyond kMaxLength.
int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  WT_USER_CHECK(!__builtin_mul_overflow(a, b, &r) && r <= kMaxLength, BadSchedule,
                "split lengths multiply to more than " << kMaxLength);
  return r;
}

void check_stage(const State &state, int id, bool allow_placeholder = false) {
  WT_USER_CHECK(
      id >= 0 && id < state.num_stages(), BadSchedule,
      "stage " << id << " does not exist (the state has " << state.num_stages() << " stages)");
  WT_USER_CHECK(allow_placeholder || !state.dag().op(id).is_placeholder, BadSchedule,
                "stage " << id << " (" << state.dag().op(id).name << ") is a placeholder");
}

void check_iter(const State &state, int stage, int iter) {
  int n = static_cast<int>(state.stage(stage).iters.size());
  WT_USER_CHECK(
      iter >= 0 && iter < n, BadSchedule,
      "iterator " << iter << " of stage " << stage << " does not exist (it has " << n << ")");
}

/// Moves every stage attached to (stage, uid) to new_uid.
void retarget_attach(State &state, int stage, const std::set<int> &old_uids, int new_uid) {
  for (int s = 0; s < state.num_stages(); ++s) {
    Stage &st = state.mutable_stage(s);
    if (st.compute_at == ComputeAtKind::Iter && st.attach_stage == stage &&
        old_uids.count(st.attach_uid))
      st.attach_uid = new_uid;
  }
}

/// Splits iterator `iter` into parts whose inner extents are `inner` (outer to inner, 0 unknown);
/// the outermost part is implied (or given by `outer` when nonzero).
void do_split(State &state, int stage_id, int iter, const std::vector<int64_t> &inner,
              int64_t outer) {
  Stage &st = state.mutable_stage(stage_id);
  Iterator it = st.iters[iter];
  bool known = it.extent > 0;
  int64_t prod = 1;
  for (int64_t l : inner) {
    known = known && l > 0;
    prod = checked_mul(prod, std::max<int64_t>(l, 1));
  }
  std::vector<Iterator> parts;
  IterRelation rel;
  rel.is_split = true;
  rel.inputs = {it.uid};
  rel.lengths = inner;
  for (size_t i = 0; i <= inner.size(); ++i) {
    Iterator p;
    p.name = it.name + "." + std::to_string(i);
    p.kind = it.kind;
    p.uid = st.next_uid++;
    if (i == 0)
      p.extent = outer > 0 ? outer : (known ? (it.extent + prod - 1) / prod : 0);
    else
      p.extent = inner[i - 1];
    parts.push_back(p);
    rel.outputs.push_back(p.uid);
    rel.names.push_back(p.name);
  }
  st.iters.erase(st.iters.begin() + iter);
  st.iters.insert(st.iters.begin() + iter, parts.begin(), parts.end());
  st.relations.push_back(rel);
  // Stages computed at the split loop stay at the same granularity: the innermost part.
  retarget_attach(state, stage_id, {it.uid}, parts.back().uid);
}

std::vector<int64_t> lengths_or_zero(const std::vector<std::optional<int64_t>> &ls) {
  std::vector<int64_t> out;
  for (const auto &l : ls) out.push_back(l.value_or(0));
  return out;
}

void apply_split(State &state, const SplitStep &s) {
  check_stage(state, s.stage);
  check_iter(state, s.stage, s.iter);
  WT_USER_CHECK(!s.lengths.empty(), BadSchedule, "split without lengths");
  for (const auto &l : s.lengths)
    WT_USER_CHECK(!l || (*l > 0 && *l <= kMaxLength), BadSchedule,
                  "split length " << *l << " is not in [1, " << kMaxLength << "]");
  const Iterator &it = state.stage(s.stage).iters[s.iter];
  WT_USER_CHECK(
      s.extent == 0 || it.extent == 0 || s.extent == it.extent, BadSchedule,
      "split of " << it.name << " records extent " << s.extent << " but it has " << it.extent);
  std::vector<int64_t> ls = lengths_or_zero(s.lengths);
  if (s.inner_to_outer) {
    do_split(state, s.stage, s.iter, ls, 0);
    return;
  }
  // Parts given outer to inner as counts: [l1, ..., ln, rest].
  bool known = it.extent > 0;
  int64_t prod = 1;
  for (int64_t l : ls) {
    known = known && l > 0;
    prod = checked_mul(prod, std::max<int64_t>(l, 1));
  }
  std::vector<int64_t> inner(ls.begin() + 1, ls.end());
  inner.push_back(known ? (it.extent + prod - 1) / prod : 0);
  do_split(state, s.stage, s.iter, inner, ls[0]);
}

void apply_fuse(State &state, const FuseStep &s) {
  check_stage(state, s.stage);
  WT_USER_CHECK(!s.iters.empty(), BadSchedule, "fuse of no iterators");
  for (size_t i = 0; i < s.iters.size(); ++i) {
    check_iter(state, s.stage, s.iters[i]);
    WT_USER_CHECK(
        i == 0 || s.iters[i] == s.iters[i - 1] + 1, BadSchedule,
        "fuse needs consecutive iterators, got " << s.iters[i - 1] << " then " << s.iters[i]);
  }
  if (s.iters.size() == 1) return;
  Stage &st = state.mutable_stage(s.stage);
  Iterator fused;
  fused.uid = st.next_uid++;
  fused.extent = 1;
  bool any_spatial = false, any_reduce = false;
  IterRelation rel;
  rel.is_split = false;
  std::set<int> old;
  for (int i : s.iters) {
    const Iterator &it = st.iters[i];
    fused.name += it.name + "@";
    fused.extent = (fused.extent == 0 || it.extent == 0) ? 0 : checked_mul(fused.extent, it.extent);
    any_spatial = any_spatial || it.kind == IterKind::Spatial;
    any_reduce = any_reduce || it.kind == IterKind::Reduction;
    if (it.kind == IterKind::Mixed) any_spatial = any_reduce = true;
    rel.inputs.push_back(it.uid);
    rel.lengths.push_back(it.extent);
    old.insert(it.uid);
  }
  fused.kind = any_spatial && any_reduce ? IterKind::Mixed
               : any_reduce              ? IterKind::Reduction
                                         : IterKind::Spatial;
  rel.outputs = {fused.uid};
  rel.names = {fused.name};
  st.iters.erase(st.iters.begin() + s.iters.front(), st.iters.begin() + s.iters.back() + 1);
  st.iters.insert(st.iters.begin() + s.iters.front(), fused);
  st.relations.push_back(rel);
  retarget_attach(state, s.stage, old, fused.uid);
}

void apply_reorder(State &state, const ReorderStep &s) {
  check_stage(state, s.stage);
  Stage &st = state.mutable_stage(s.stage);
  std::vector<int> sorted = s.order;
  std::sort(sorted.begin(), sorted.end());
  bool perm = sorted.size() == st.iters.size();
  for (size_t i = 0; perm && i < sorted.size(); ++i) perm = sorted[i] == static_cast<int>(i);
  WT_USER_CHECK(perm, BadSchedule,
                "reorder of stage " << s.stage << " is not a permutation of its " << st.iters.size()
                                    << " iterators");
  std::vector<Iterator> out;
  for (int i : s.order) out.push_back(st.iters[i]);
  st.iters = out;
}

void apply_annotation(State &state, const AnnotationStep &s) {
  check_stage(state, s.stage);
  check_iter(state, s.stage, s.iter);
  WT_USER_CHECK(s.annotation >= 0 && s.annotation <= 11, BadSchedule,
                "unknown annotation code " << s.annotation);
  state.mutable_stage(s.stage).iters[s.iter].annotation = static_cast<IterAnnotation>(s.annotation);
}

void apply_pragma(State &state, const PragmaStep &s) {
  check_stage(state, s.stage);
  check_iter(state, s.stage, s.iter);
  const std::string prefix = "auto_unroll_max_step$";
  // Other pragmas (from TVM logs) are kept in the history but have no effect on CPU.
  if (s.pragma.rfind(prefix, 0) != 0) return;
  std::string v = s.pragma.substr(prefix.size());
  bool numeric = !v.empty() && v.size() < 9 &&
                 std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  WT_USER_CHECK(numeric, BadSchedule,
                "pragma '" << quote_cut(s.pragma) << "' needs a non-negative integer");
  state.mutable_stage(s.stage).auto_unroll_max_step = std::stoi(v);
}

void apply_compute_at(State &state, const ComputeAtStep &s) {
  check_stage(state, s.stage);
  check_stage(state, s.target_stage);
  check_iter(state, s.target_stage, s.target_iter);
  WT_USER_CHECK(s.target_stage > s.stage, BadSchedule,
                "compute_at target stage " << s.target_stage << " must come after stage " << s.stage
                                           << " (be one of its consumers)");
  WT_USER_CHECK(!state.dag().consumers(s.stage).empty(), BadSchedule,
                "stage " << s.stage << " is an output and cannot be computed inside another");
  WT_USER_CHECK(state.stage(s.target_stage).compute_at != ComputeAtKind::Inlined, BadSchedule,
                "compute_at target stage " << s.target_stage << " is inlined");
  // Every consumer must be the target itself, or be computed inside the chosen loop of the
  // target (directly or through its own attach chain): otherwise the stage would be computed in
  // a loop its readers are not in.
  const Stage &target = state.stage(s.target_stage);
  for (int c : state.consumers(s.stage)) {
    int cur = c;
    bool inside = false;
    while (true) {
      if (cur == s.target_stage) {
        inside = true;
        break;
      }
      const Stage &cs = state.stage(cur);
      if (cs.compute_at != ComputeAtKind::Iter) break;
      if (cs.attach_stage == s.target_stage) {
        inside = target.find_iter(cs.attach_uid) >= s.target_iter;
        break;
      }
      cur = cs.attach_stage;
    }
    WT_USER_CHECK(inside, BadSchedule,
                  "compute_at: stage " << s.stage << " is read by stage " << c
                                       << ", which is not computed inside stage " << s.target_stage
                                       << "'s iterator " << s.target_iter);
  }
  Stage &st = state.mutable_stage(s.stage);
  st.compute_at = ComputeAtKind::Iter;
  st.attach_stage = s.target_stage;
  st.attach_uid = state.stage(s.target_stage).iters[s.target_iter].uid;
}

void apply_compute_inline(State &state, const ComputeInlineStep &s) {
  check_stage(state, s.stage);
  const ir::Op &op = state.dag().op(s.stage);
  WT_USER_CHECK(op.reduce_axes.empty(), BadSchedule,
                "stage " << s.stage << " (" << op.name << ") is a reduction and cannot be inlined");
  WT_USER_CHECK(!state.dag().consumers(s.stage).empty(), BadSchedule,
                "stage " << s.stage << " (" << op.name << ") is an output and cannot be inlined");
  for (int other = 0; other < state.num_stages(); ++other)
    WT_USER_CHECK(!(state.stage(other).compute_at == ComputeAtKind::Iter &&
                    state.stage(other).attach_stage == s.stage),
                  BadSchedule, "stage " << s.stage << " has stages computed inside it");
  Stage &st = state.mutable_stage(s.stage);
  st.compute_at = ComputeAtKind::Inlined;
  st.attach_stage = st.attach_uid = -1;
}

void apply_compute_root(State &state, const ComputeRootStep &s) {
  check_stage(state, s.stage);
  Stage &st = state.mutable_stage(s.stage);
  st.compute_at = ComputeAtKind::Root;
  st.attach_stage = st.attach_uid = -1;
}

/// Copy of ops with a new op inserted at `at`; loads of ids >= at shift by one.
std::vector<ir::Op> ops_with_insert(const ir::ComputeDAG &dag, int at, const ir::Op &inserted) {
  std::vector<int> remap(dag.num_ops());
  for (int i = 0; i < dag.num_ops(); ++i) remap[i] = i >= at ? i + 1 : -1;
  std::vector<ir::Op> ops;
  for (int i = 0; i < dag.num_ops(); ++i) {
    if (i == at) ops.push_back(inserted);
    ir::Op op = dag.op(i);
    if (!op.is_placeholder) op.body = ir::remap_loads(op.body, remap);
    ops.push_back(op);
  }
  if (at == dag.num_ops()) ops.push_back(inserted);
  return ops;
}

std::vector<ir::Expr> vars_of(const ir::Op &op) {
  std::vector<ir::Expr> v;
  for (size_t i = 0; i < op.axes.size(); ++i) v.push_back(ir::Expr::var(static_cast<int>(i)));
  return v;
}

void check_untransformed(const State &state, int stage, const char *what) {
  WT_USER_CHECK(state.stage(stage).relations.empty(), BadSchedule,
                what << " of stage " << stage << " must come before its splits and fuses");
}

void apply_cache_write(State &state, const CacheWriteStep &s) {
  check_stage(state, s.stage);
  check_untransformed(state, s.stage, "cache_write");
  const ir::ComputeDAG &dag = state.dag();
  ir::Op local = dag.op(s.stage);
  local.name += "." + s.scope;
  ir::Op copy = dag.op(s.stage);
  copy.reduce_axes.clear();
  copy.reduce = ir::ReduceKind::None;
  copy.body = ir::Expr::load(s.stage, vars_of(copy));
  std::vector<ir::Op> ops = ops_with_insert(dag, s.stage, local);
  // ops[s.stage] is the cache stage; ops[s.stage + 1] must become the copy.
  ops[s.stage + 1] = copy;
  state.set_dag(std::make_shared<const ir::ComputeDAG>(ops));
  state.insert_stage(s.stage, {s.stage, s.stage + 1});
}

void apply_cache_read(State &state, const CacheReadStep &s) {
  check_stage(state, s.stage, /*allow_placeholder=*/true);
  const ir::ComputeDAG &dag = state.dag();
  WT_USER_CHECK(!s.readers.empty(), BadSchedule, "cache_read without readers");
  for (int r : s.readers) {
    const auto &cons = dag.consumers(s.stage);
    WT_USER_CHECK(std::find(cons.begin(), cons.end(), r) != cons.end(), BadSchedule,
                  "cache_read reader " << r << " does not read stage " << s.stage);
  }
  const ir::Op &src = dag.op(s.stage);
  ir::Op cache;
  cache.name = src.name + "." + s.scope;
  cache.axes = src.axes;
  cache.body = ir::Expr::load(s.stage, vars_of(src));
  int at = s.stage + 1;
  std::vector<ir::Op> ops = ops_with_insert(dag, at, cache);
  std::vector<int> to_cache(ops.size(), -1);
  to_cache[s.stage] = at;
  for (int r : s.readers) ops[r + 1].body = ir::remap_loads(ops[r + 1].body, to_cache);
  state.set_dag(std::make_shared<const ir::ComputeDAG>(ops));
  state.insert_stage(at, {at});
}

void apply_rfactor(State &state, const RfactorStep &s) {
  check_stage(state, s.stage);
  check_iter(state, s.stage, s.iter);
  const ir::ComputeDAG &dag = state.dag();
  const ir::Op &op = dag.op(s.stage);
  const Stage &st = state.stage(s.stage);
  int ns = static_cast<int>(op.axes.size());
  WT_USER_CHECK(!op.reduce_axes.empty(), BadSchedule, "rfactor of a stage without reduction");
  WT_USER_CHECK(st.iters[s.iter].kind == IterKind::Reduction, BadSchedule,
                "rfactor iterator " << s.iter << " is not a reduction iterator");
  WT_USER_CHECK(s.factor_iter_id >= 0 && s.factor_iter_id <= ns, BadSchedule,
                "rfactor factor_iter_id " << s.factor_iter_id << " must be in [0, " << ns << "]");
  for (const Iterator &it : st.iters)
    WT_USER_CHECK(it.kind != IterKind::Mixed, BadSchedule,
                  "rfactor of a stage with a mixed spatial/reduce iterator");
  std::vector<ir::Expr> exprs = axis_exprs(st, dag);
  // New variables of the rfactor op: spatial axes with the factor axis at factor_iter_id, then
  // the remaining reduction iterators in loop order.
  std::map<int, ir::Expr> uid_to_var;
  const Iterator &fit = st.iters[s.iter];
  uid_to_var[fit.uid] = ir::Expr::var(s.factor_iter_id);
  ir::Op rf;
  rf.name = op.name + ".rf";
  rf.reduce = op.reduce;
  rf.axes = op.axes;
  rf.axes.insert(rf.axes.begin() + s.factor_iter_id, ir::Axis{fit.name, fit.extent});
  int64_t iter_prod = 1, axis_prod = 1;
  bool known = true;
  for (const Iterator &it : st.iters) {
    if (it.kind != IterKind::Reduction) continue;
    iter_prod *= it.extent;
    known = known && it.extent > 0;
    if (it.uid == fit.uid) continue;
    uid_to_var[it.uid] = ir::Expr::var(static_cast<int>(ns + 1 + rf.reduce_axes.size()));
    rf.reduce_axes.push_back(ir::Axis{it.name, it.extent});
  }
  std::vector<ir::Expr> subst;
  for (int i = 0; i < ns; ++i) subst.push_back(ir::Expr::var(i < s.factor_iter_id ? i : i + 1));
  ir::Expr guard;
  for (size_t j = 0; j < op.reduce_axes.size(); ++j) {
    ir::Expr e = ir::mutate(exprs[ns + j], [&](const ir::Expr &x) -> ir::Expr {
      if (x.kind() != ir::ExprKind::Var) return ir::Expr();
      auto it = uid_to_var.find(x->id);
      WT_USER_CHECK(it != uid_to_var.end(), BadSchedule,
                    "rfactor: reduce axis depends on a spatial iterator");
      return it->second;
    });
    subst.push_back(e);
    axis_prod *= op.reduce_axes[j].extent;
    ir::Expr in_range = e < ir::Expr(op.reduce_axes[j].extent);
    guard = guard.defined() ? (guard && in_range) : in_range;
  }
  // substitute_vars maps old var ids (spatial, then reduce) to the new expressions.
  rf.body = ir::substitute_vars(op.body, subst);
  if (known && iter_prod != axis_prod)
    rf.body = ir::select(guard, rf.body, ir::Expr(ir::reduce_identity(op.reduce)));
  if (rf.reduce_axes.empty()) rf.reduce = ir::ReduceKind::None;

  ir::Op combined = op;
  combined.reduce_axes = {ir::Axis{fit.name, fit.extent}};
  std::vector<ir::Expr> idx = vars_of(op);
  idx.insert(idx.begin() + s.factor_iter_id, ir::Expr::var(ns));
  combined.body = ir::Expr::load(s.stage, idx);
  std::vector<ir::Op> ops = ops_with_insert(dag, s.stage, rf);
  ops[s.stage + 1] = combined;
  state.set_dag(std::make_shared<const ir::ComputeDAG>(ops));
  state.insert_stage(s.stage, {s.stage, s.stage + 1});
}

const SplitStep &src_split(const std::vector<Step> &history, int id) {
  WT_USER_CHECK(id >= 0 && id < static_cast<int>(history.size()), BadSchedule,
                "follow split refers to step " << id << " which does not exist yet");
  const auto *sp = std::get_if<SplitStep>(&history[id]);
  WT_USER_CHECK(sp != nullptr, BadSchedule,
                "follow split refers to step " << id << " which is not a split");
  return *sp;
}

}  // namespace

std::vector<std::optional<int64_t>> follow_split_lengths(const std::vector<Step> &history,
                                                         const FollowSplitStep &s) {
  const SplitStep &src = src_split(history, s.src_step_id);
  int n = static_cast<int>(src.lengths.size());
  WT_USER_CHECK(s.n_split >= 1 && s.n_split <= n, BadSchedule,
                "follow split n_split " << s.n_split << " must be in [1, " << n << "]");
  std::vector<std::optional<int64_t>> out(src.lengths.begin(), src.lengths.begin() + s.n_split - 1);
  std::optional<int64_t> last = 1;
  for (int j = s.n_split - 1; j < n; ++j) {
    if (!src.lengths[j] || !last) {
      last.reset();
    } else {
      last = checked_mul(*last, *src.lengths[j]);
    }
  }
  out.push_back(last);
  return out;
}

std::optional<int64_t> follow_fused_split_length(const std::vector<Step> &history,
                                                 const FollowFusedSplitStep &s) {
  std::optional<int64_t> out = 1;
  WT_USER_CHECK(!s.src_step_ids.empty(), BadSchedule, "follow fused split without sources");
  for (int id : s.src_step_ids) {
    const SplitStep &src = src_split(history, id);
    WT_USER_CHECK(s.level >= 0 && s.level < static_cast<int>(src.lengths.size()), BadSchedule,
                  "follow fused split level " << s.level << " out of range");
    if (!src.lengths[s.level] || !out)
      out.reset();
    else
      out = checked_mul(*out, *src.lengths[s.level]);
  }
  return out;
}

void apply_step(State &state, const Step &step) {
  std::visit(
      [&](const auto &s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, SplitStep>) {
          apply_split(state, s);
        } else if constexpr (std::is_same_v<T, FollowSplitStep>) {
          check_stage(state, s.stage);
          check_iter(state, s.stage, s.iter);
          SplitStep sp{s.stage, s.iter, 0, follow_split_lengths(state.steps(), s), true};
          apply_split(state, sp);
        } else if constexpr (std::is_same_v<T, FollowFusedSplitStep>) {
          check_stage(state, s.stage);
          check_iter(state, s.stage, s.iter);
          SplitStep sp{s.stage,
                       s.iter,
                       0,
                       {follow_fused_split_length(state.steps(), s)},
                       s.factor_or_nparts};
          apply_split(state, sp);
        } else if constexpr (std::is_same_v<T, ReorderStep>) {
          apply_reorder(state, s);
        } else if constexpr (std::is_same_v<T, FuseStep>) {
          apply_fuse(state, s);
        } else if constexpr (std::is_same_v<T, AnnotationStep>) {
          apply_annotation(state, s);
        } else if constexpr (std::is_same_v<T, PragmaStep>) {
          apply_pragma(state, s);
        } else if constexpr (std::is_same_v<T, ComputeAtStep>) {
          apply_compute_at(state, s);
        } else if constexpr (std::is_same_v<T, ComputeInlineStep>) {
          apply_compute_inline(state, s);
        } else if constexpr (std::is_same_v<T, ComputeRootStep>) {
          apply_compute_root(state, s);
        } else if constexpr (std::is_same_v<T, CacheReadStep>) {
          apply_cache_read(state, s);
        } else if constexpr (std::is_same_v<T, CacheWriteStep>) {
          apply_cache_write(state, s);
        } else if constexpr (std::is_same_v<T, RfactorStep>) {
          apply_rfactor(state, s);
        }
      },
      step);
}

}  // namespace worldtune::schedule
