/// \file Bound inference by interval arithmetic over the consumer's inner loops.
#include "schedule/bound_inference.h"

#include <algorithm>
#include <optional>

#include "worldtune/error.h"

namespace worldtune::schedule {

namespace {

void collect(const State &state, const ir::Expr &body, int producer,
             std::vector<std::vector<ir::Expr>> *out) {
  ir::visit(body, [&](const ir::Expr &x) {
    if (x.kind() != ir::ExprKind::Load) return;
    if (x->id == producer) {
      out->push_back(x->args);
    } else if (state.stage(x->id).compute_at == ComputeAtKind::Inlined) {
      const ir::Op &inl = state.dag().op(x->id);
      collect(state, ir::substitute_vars(inl.body, x->args), producer, out);
    }
  });
}

/// Realized extents of every uid of a stage, given the realized extents of its op axes.
std::map<int, int64_t> propagate(const Stage &st, const std::vector<int64_t> &axis_extent) {
  std::map<int, int64_t> ext;
  for (size_t i = 0; i < axis_extent.size(); ++i) ext[static_cast<int>(i)] = axis_extent[i];
  for (const IterRelation &rel : st.relations) {
    if (rel.is_split) {
      int64_t r = ext[rel.inputs[0]];
      for (size_t t = rel.lengths.size(); t >= 1; --t) {
        int64_t f = std::min(std::max<int64_t>(rel.lengths[t - 1], 1), r);
        ext[rel.outputs[t]] = f;
        r = (r + f - 1) / f;
      }
      ext[rel.outputs[0]] = r;
    } else {
      int64_t p = 1;
      for (int in : rel.inputs) p *= ext[in];
      ext[rel.outputs[0]] = p;
    }
  }
  return ext;
}

}  // namespace

std::vector<std::vector<ir::Expr>> collect_accesses(const State &state, int consumer,
                                                    int producer) {
  std::vector<std::vector<ir::Expr>> out;
  const ir::Op &op = state.dag().op(consumer);
  if (!op.is_placeholder) collect(state, op.body, producer, &out);
  return out;
}

std::vector<StageBounds> infer_bound(const State &state) {
  int n = state.num_stages();
  std::vector<StageBounds> bounds(n);
  for (int s = n - 1; s >= 0; --s) {
    const Stage &st = state.stage(s);
    const ir::Op &op = state.dag().op(s);
    std::vector<int64_t> full;
    for (const ir::Axis &a : op.axes) full.push_back(a.extent);
    for (const ir::Axis &a : op.reduce_axes) full.push_back(a.extent);
    std::vector<int64_t> realized = full;
    if (st.compute_at == ComputeAtKind::Iter) {
      int t = st.attach_stage;
      const Stage &ts = state.stage(t);
      WT_ASSERT(t > s, "attach target must be a later stage");
      std::vector<ir::Expr> t_axes = axis_exprs(ts, state.dag());
      std::map<int, ir::Interval> ranges;
      int pos = ts.find_iter(st.attach_uid);
      for (size_t i = pos + 1; i < ts.iters.size(); ++i) {
        int64_t e = bounds[t].uid_extent.at(ts.iters[i].uid);
        ranges[ts.iters[i].uid] = ir::Interval{0, std::max<int64_t>(e, 1) - 1};
      }
      auto accesses = collect_accesses(state, t, s);
      if (!accesses.empty()) {
        std::vector<int64_t> lo(op.axes.size(), INT64_MAX), hi(op.axes.size(), INT64_MIN);
        bool ok = true;
        for (const auto &idx : accesses) {
          for (size_t d = 0; d < idx.size() && ok; ++d) {
            auto b = ir::int_bounds(ir::substitute_vars(idx[d], t_axes), ranges);
            if (!b) {
              ok = false;
              break;
            }
            lo[d] = std::min(lo[d], b->lo);
            hi[d] = std::max(hi[d], b->hi);
          }
        }
        if (ok)
          for (size_t d = 0; d < op.axes.size(); ++d)
            realized[d] = std::clamp<int64_t>(hi[d] - lo[d] + 1, 1, full[d]);
      }
    }
    bounds[s].axis_extent = realized;
    bounds[s].uid_extent = propagate(st, realized);
  }
  return bounds;
}

}  // namespace worldtune::schedule
