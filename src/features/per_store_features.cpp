/// \file Per-store feature extraction on worldtune's loop model. Every loop of the program gets a
/// global id; every stage's axes become index expressions over the loops around its store (its
/// own loops plus the loops of the stages it is computed inside), which is what TVM's extractor
/// sees in the lowered loop nest.
#include "features/per_store_features.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "schedule/bound_inference.h"
#include "worldtune/error.h"

namespace worldtune::features {

using schedule::ComputeAtKind;
using schedule::IterAnnotation;
using schedule::State;

namespace {

constexpr int kIdStride = 1 << 16;  // global loop id = (stage + 1) * kIdStride + uid
constexpr float kElemBytes = 4;     // every tensor is float32

enum AccType { kRead = 0, kWrite = 1, kReadWrite = 2 };
enum ReuseType { kLoopMultipleRead = 0, kSerialMultipleReadWrite = 1, kNoReuse = 2 };

struct Loop {
  int id = 0;
  int64_t extent = 1;
  IterAnnotation annotation = IterAnnotation::None;
};

struct Access {
  int buffer = 0;
  AccType type = kRead;
  std::vector<std::vector<ir::Expr>> indices;
};

/// (access type, touched elements) of each access of a buffer inside one loop, across stores.
using TouchMap = std::map<int, std::map<int, std::vector<std::pair<AccType, int64_t>>>>;

struct OpCounts {
  float float_addsub = 0, float_mul = 0, float_divmod = 0, float_cmp = 0, float_math = 0;
  float int_addsub = 0, int_mul = 0, int_divmod = 0, int_cmp = 0;
  float bool_op = 0, select_op = 0;
  float float_ops() const {
    return float_addsub + float_mul + float_divmod + float_cmp + float_math;
  }
};

OpCounts count_ops(const ir::Expr &value) {
  OpCounts c;
  ir::visit(value, [&](const ir::Expr &e) {
    bool f = e.is_float();
    switch (e.kind()) {
      case ir::ExprKind::Add:
      case ir::ExprKind::Sub:
        (f ? c.float_addsub : c.int_addsub) += 1;
        break;
      case ir::ExprKind::Mul:
        (f ? c.float_mul : c.int_mul) += 1;
        break;
      case ir::ExprKind::Div:
      case ir::ExprKind::FloorDiv:
      case ir::ExprKind::Mod:
        (f ? c.float_divmod : c.int_divmod) += 1;
        break;
      case ir::ExprKind::Min:
      case ir::ExprKind::Max:
        (f ? c.float_cmp : c.int_cmp) += 1;
        break;
      case ir::ExprKind::LT:
      case ir::ExprKind::LE:
      case ir::ExprKind::EQ:
        ((e->args[0].is_float() || e->args[1].is_float()) ? c.float_cmp : c.int_cmp) += 1;
        break;
      case ir::ExprKind::And:
        c.bool_op += 1;
        break;
      case ir::ExprKind::Select:
        c.select_op += 1;
        break;
      case ir::ExprKind::Exp:
      case ir::ExprKind::Sqrt:
      case ir::ExprKind::Tanh:
      case ir::ExprKind::Erf:
        c.float_math += 1;
        break;
      default:
        break;
    }
  });
  return c;
}

/// Replaces Var(id) for the ids in `repl`.
ir::Expr replace_vars(const ir::Expr &e, const std::map<int, ir::Expr> &repl) {
  return ir::mutate(e, [&](const ir::Expr &x) -> ir::Expr {
    if (x.kind() != ir::ExprKind::Var) return {};
    auto it = repl.find(x->id);
    return it == repl.end() ? ir::Expr() : it->second;
  });
}

bool uses_var(const ir::Expr &e, int id) {
  bool found = false;
  ir::visit(e, [&](const ir::Expr &x) {
    found = found || (x.kind() == ir::ExprKind::Var && x->id == id);
  });
  return found;
}

/// The op body with inlined producers substituted (what the lowered store computes).
ir::Expr inline_body(const State &state, const ir::Expr &body) {
  return ir::mutate(body, [&](const ir::Expr &x) -> ir::Expr {
    if (x.kind() != ir::ExprKind::Load || state.stage(x->id).compute_at != ComputeAtKind::Inlined)
      return {};
    const ir::Op &inl = state.dag().op(x->id);
    return inline_body(state, ir::substitute_vars(inl.body, x->args));
  });
}

float log2p(float x) { return x < 0 ? -std::log2(-x + 1) : std::log2(x + 1); }

/// The program's loop nests as seen by the extractor.
struct LoopModel {
  std::vector<std::vector<Loop>> stack;     // loops around each stage's store, outer first
  std::vector<size_t> num_outer;            // how many of them belong to enclosing stages
  std::vector<std::vector<ir::Expr>> axes;  // each op var as an expression over loop ids
  std::vector<std::vector<int64_t>> shape;  // buffer shape (the full tensor, as in TVM)
};

LoopModel build_loop_model(const State &state, const std::vector<schedule::StageBounds> &bounds) {
  int n = state.num_stages();
  LoopModel m;
  m.stack.resize(n);
  m.num_outer.assign(n, 0);
  m.axes.resize(n);
  m.shape.resize(n);
  for (int s = n - 1; s >= 0; --s) {
    const schedule::Stage &st = state.stage(s);
    const ir::Op &op = state.dag().op(s);
    for (size_t d = 0; d < op.axes.size(); ++d)
      m.shape[s].push_back(op.axes[d].extent);  // TVM's buffers keep the full tensor shape
    if (op.is_placeholder || st.compute_at == ComputeAtKind::Inlined) continue;
    std::map<int, ir::Expr> to_global;
    for (const auto &[uid, ext] : bounds[s].uid_extent)
      to_global[uid] = ir::Expr::var((s + 1) * kIdStride + uid);
    std::vector<ir::Expr> local;
    for (const ir::Expr &e : schedule::axis_exprs(st, state.dag()))
      local.push_back(replace_vars(e, to_global));
    std::vector<Loop> own;
    for (const schedule::Iterator &it : st.iters)
      own.push_back({(s + 1) * kIdStride + it.uid,
                     std::max<int64_t>(bounds[s].uid_extent.at(it.uid), 1), it.annotation});
    if (st.compute_at != ComputeAtKind::Iter) {
      m.axes[s] = local;
      m.stack[s] = own;
      continue;
    }
    // Computed inside stage t at loop u: the loops of t up to u enclose it, and its tile starts
    // where t's access starts for the current values of those loops.
    int t = st.attach_stage;
    int attach_id = (t + 1) * kIdStride + st.attach_uid;
    const std::vector<Loop> &ts = m.stack[t];
    size_t cut = 0;
    while (cut < ts.size() && ts[cut].id != attach_id) ++cut;
    WT_ASSERT(cut < ts.size(), "attach loop not found");
    m.stack[s].assign(ts.begin(), ts.begin() + static_cast<long>(cut) + 1);
    m.num_outer[s] = m.stack[s].size();
    std::map<int, ir::Expr> inner_zero;
    for (size_t i = cut + 1; i < ts.size(); ++i) inner_zero[ts[i].id] = ir::Expr(0);
    auto accesses = schedule::collect_accesses(state, t, s);
    m.axes[s] = local;
    if (!accesses.empty()) {
      for (size_t d = 0; d < op.axes.size() && d < accesses[0].size(); ++d) {
        ir::Expr base = replace_vars(ir::substitute_vars(accesses[0][d], m.axes[t]), inner_zero);
        m.axes[s][d] = ir::simplify(base + local[d]);
      }
    }
    m.stack[s].insert(m.stack[s].end(), own.begin(), own.end());
  }
  return m;
}

/// Touched elements of an access per dimension when loops [from, end) of `stack` run and the
/// outer ones are fixed.
std::vector<int64_t> touched_region(const Access &a, const std::vector<Loop> &stack, size_t from,
                                    const std::vector<int64_t> &shape) {
  std::map<int, ir::Interval> ranges;
  for (size_t j = from; j < stack.size(); ++j) ranges[stack[j].id] = {0, stack[j].extent - 1};
  std::vector<int64_t> region;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    bool ok = true;
    for (const auto &idx : a.indices) {
      auto b = d < idx.size() ? ir::int_bounds(idx[d], ranges) : std::nullopt;
      if (!b) {
        ok = false;
        break;
      }
      lo = std::min(lo, b->lo);
      hi = std::max(hi, b->hi);
    }
    region.push_back(ok ? std::clamp<int64_t>(hi - lo + 1, 1, std::max<int64_t>(shape[d], 1))
                        : shape[d]);
  }
  return region;
}

/// Distance in elements between consecutive values of loop `id` (0 when the access does not
/// move with it): the smallest |coefficient| x row-major stride over the access's indices.
int64_t access_stride(const Access &a, const std::vector<int64_t> &shape, int id) {
  int64_t best = std::numeric_limits<int64_t>::max();
  bool found = false;
  for (const auto &idx : a.indices) {
    int64_t shape_stride = 1;
    for (size_t d = idx.size(); d-- > 0;) {
      if (uses_var(idx[d], id)) {
        // Other loops at 0: the coefficient of an affine index; 2 (TVM's default) otherwise.
        auto eval_at = [&](int64_t v) {
          auto b = ir::int_bounds(idx[d], {{id, ir::Interval{v, v}}});
          return b ? b->lo : 0;
        };
        int64_t coef = std::llabs(eval_at(1) - eval_at(0));
        if (coef == 0) coef = 2;
        best = std::min(best, coef * shape_stride);
        found = true;
        break;
      }
      shape_stride *= d < shape.size() ? std::max<int64_t>(shape[d], 1) : 1;
    }
  }
  return found ? best : 0;
}

struct Reuse {
  ReuseType type = kNoReuse;
  float dis_iter = 0, dis_bytes = 0, count = 0;
};

Reuse compute_reuse(const Access &a, const std::vector<Loop> &stack, const TouchMap &touch) {
  float dis_iter = 1, dis_bytes = -1;
  auto bytes_in = [&](int loop, bool one_element) {
    float b = 0;
    for (const auto &[buf, list] : touch.at(loop))
      for (const auto &[type, elems] : list) b += (one_element ? 1.0f : float(elems)) * kElemBytes;
    return b;
  };
  for (size_t i = stack.size(); i-- > 0;) {
    bool moves = false;
    for (const auto &idx : a.indices)
      for (const ir::Expr &e : idx) moves = moves || uses_var(e, stack[i].id);
    float extent = static_cast<float>(stack[i].extent);
    if (!moves) {
      if (dis_bytes < 0) dis_bytes = bytes_in(stack[i].id, true);
      return {kLoopMultipleRead, dis_iter, dis_bytes, extent};
    }
    dis_iter *= extent;
    dis_bytes = bytes_in(stack[i].id, false);
    const auto &list = touch.at(stack[i].id).at(a.buffer);
    if (list.size() > 1) {
      float min_touch = std::numeric_limits<float>::max();
      for (const auto &[type, elems] : list) min_touch = std::min(min_touch, float(elems));
      return {kSerialMultipleReadWrite, min_touch / extent, dis_bytes / extent,
              float(list.size() - 1)};
    }
  }
  return {};
}

class RowBuilder {
 public:
  explicit RowBuilder(bool log_scale) : log_(log_scale) {}
  void value(float v) { row_.push_back(log_ ? log2p(v) : v); }
  void one_hot(int index, int size) {
    for (int i = 0; i < size; ++i) row_.push_back(i == index ? 1.0f : 0.0f);
  }
  void pad_to(size_t n) { row_.resize(n, 0.0f); }
  std::vector<float> take() { return std::move(row_); }

 private:
  bool log_;
  std::vector<float> row_;
};

}  // namespace

std::vector<StoreFeatures> per_store_features(const State &state, int cache_line_bytes,
                                              bool log_scale) {
  WT_USER_CHECK(state.is_concrete(), BadSchedule,
                "features need a concrete schedule (every split length defined)");
  std::vector<schedule::StageBounds> bounds = schedule::infer_bound(state);
  LoopModel m = build_loop_model(state, bounds);
  TouchMap touch;
  std::vector<StoreFeatures> rows;
  const float line = static_cast<float>(std::max(cache_line_bytes, 1));
  for (int s = 0; s < state.num_stages(); ++s) {
    const schedule::Stage &st = state.stage(s);
    const ir::Op &op = state.dag().op(s);
    if (op.is_placeholder || st.compute_at == ComputeAtKind::Inlined) continue;
    const std::vector<Loop> &stack = m.stack[s];
    ir::Expr value = ir::substitute_vars(inline_body(state, op.body), m.axes[s]);
    OpCounts ops = count_ops(value);
    if (op.reduce == ir::ReduceKind::Sum) ops.float_addsub += 1;
    if (op.reduce == ir::ReduceKind::Max || op.reduce == ir::ReduceKind::Min) ops.float_cmp += 1;

    // Accesses: the store (read too when it accumulates), then the loads, one entry per buffer.
    std::vector<Access> acc;
    std::vector<ir::Expr> out_index(m.axes[s].begin(), m.axes[s].begin() + op.axes.size());
    acc.push_back({s, op.reduce == ir::ReduceKind::None ? kWrite : kReadWrite, {out_index}});
    ir::visit(value, [&](const ir::Expr &x) {
      if (x.kind() != ir::ExprKind::Load) return;
      auto it =
          std::find_if(acc.begin(), acc.end(), [&](const Access &a) { return a.buffer == x->id; });
      if (it == acc.end()) {
        acc.push_back({x->id, kRead, {}});
        it = acc.end() - 1;
      } else if (it->type == kWrite) {
        it->type = kReadWrite;
      }
      it->indices.push_back(x->args);
    });

    float outer_prod = 1;
    for (const Loop &l : stack) outer_prod *= static_cast<float>(l.extent);
    std::vector<float> mem_bytes, compute_ops;
    float cur_ops = ops.float_ops();
    std::vector<std::vector<int64_t>> outermost_region(acc.size());
    for (size_t i = stack.size(); i-- > 0;) {
      float bytes = 0;
      for (size_t b = 0; b < acc.size(); ++b) {
        std::vector<int64_t> region = touched_region(acc[b], stack, i, m.shape[acc[b].buffer]);
        int64_t elems =
            std::accumulate(region.begin(), region.end(), int64_t{1}, std::multiplies<int64_t>());
        touch[stack[i].id][acc[b].buffer].push_back({acc[b].type, elems});
        bytes += static_cast<float>(elems) * kElemBytes;
        if (i == 0) outermost_region[b] = region;
      }
      mem_bytes.push_back(bytes);
      cur_ops *= static_cast<float>(stack[i].extent);
      compute_ops.push_back(cur_ops);
    }

    rows.push_back({op.name, {}});
    RowBuilder out(log_scale);
    // Group 1: computation (fma, other calls and int math functions do not occur in the IR).
    for (float v : {0.0f, ops.float_addsub, ops.float_mul, ops.float_divmod, ops.float_cmp,
                    ops.float_math, 0.0f, 0.0f, ops.int_addsub, ops.int_mul, ops.int_divmod,
                    ops.int_cmp, 0.0f, 0.0f, ops.bool_op, ops.select_op})
      out.value(outer_prod * v);
    for (IterAnnotation kind :
         {IterAnnotation::Vectorize, IterAnnotation::Unroll, IterAnnotation::Parallel}) {
      float num = 0, prod = 0, len = 0;
      for (const Loop &l : stack) {
        if (l.annotation != kind) continue;
        num += 1;
        prod = (prod == 0 ? 1 : prod) * static_cast<float>(l.extent);
        len = static_cast<float>(l.extent);
      }
      out.value(num);
      out.value(prod);
      out.value(len);
      out.one_hot(num > 0 ? 7 : 0, 8);
    }
    out.one_hot(-1, 1);                        // is_gpu = 0
    for (int k = 0; k < 7; ++k) out.value(1);  // blockIdx.xyz, threadIdx.xyz, vthread extents

    // Group 2: buffer access, sorted by (lines, bytes) descending, at most kMaxBuffers.
    struct BufferFeatures {
      AccType type;
      float bytes, unique_bytes, lines, unique_lines;
      Reuse reuse;
      float stride;
    };
    std::vector<BufferFeatures> bufs;
    for (size_t b = 0; b < acc.size(); ++b) {
      const Access &a = acc[b];
      const std::vector<int64_t> &shape = m.shape[a.buffer];
      BufferFeatures f{a.type, outer_prod * kElemBytes, kElemBytes, 1, 1, {}, 0};
      if (!stack.empty()) {
        f.unique_bytes =
            static_cast<float>(touch.at(stack.front().id).at(a.buffer).front().second) * kElemBytes;
        int64_t stride = 0;
        float reduce_ratio = 1;
        size_t i = stack.size();
        while (i-- > 0) {
          stride = access_stride(a, shape, stack[i].id);
          if (stride != 0) break;
          reduce_ratio *= static_cast<float>(stack[i].extent);
        }
        f.lines =
            std::max(1.0f, outer_prod / reduce_ratio *
                               std::min(1.0f, static_cast<float>(stride) * kElemBytes / line));
        f.stride = i + 1 == stack.size() ? static_cast<float>(stride) : 0.0f;
        // Contiguous bytes of the outermost touched region: full inner rows, then one partial.
        float n_contiguous = kElemBytes;
        const std::vector<int64_t> &region = outermost_region[b];
        for (size_t d = region.size(); d-- > 0;) {
          n_contiguous *= static_cast<float>(region[d]);
          if (region[d] != shape[d]) break;
        }
        f.unique_lines = std::max(1.0f, f.unique_bytes / std::min(n_contiguous, line));
      }
      f.reuse = compute_reuse(a, stack, touch);
      bufs.push_back(f);
    }
    std::stable_sort(bufs.begin(), bufs.end(),
                     [](const BufferFeatures &x, const BufferFeatures &y) {
                       return x.lines > y.lines || (x.lines == y.lines && x.bytes > y.bytes);
                     });
    if (bufs.size() > kMaxBuffers) bufs.resize(kMaxBuffers);
    for (const BufferFeatures &f : bufs) {
      out.one_hot(f.type, 3);
      out.value(f.bytes);
      out.value(f.unique_bytes);
      out.value(f.lines);
      out.value(f.unique_lines);
      out.one_hot(f.reuse.type, 3);
      out.value(f.reuse.dis_iter);
      out.value(f.reuse.dis_bytes);
      out.value(f.reuse.count);
      float div = f.reuse.count > 0.5f ? 1.0f / f.reuse.count : 2.0f;  // TVM's "no reuse" x2
      out.value(f.bytes * div);
      out.value(f.unique_bytes * div);
      out.value(f.lines * div);
      out.value(f.unique_lines * div);
      out.value(f.stride);
    }
    out.pad_to(57 + 18 * kMaxBuffers);

    // Group 3: arithmetic intensity (FLOPs per byte) at 10 points of the FLOP axis.
    std::vector<float> curve(10, 0.0f);
    if (ops.float_ops() > 0 && !compute_ops.empty()) {
      size_t pt = 0;
      for (size_t k = 0; k < curve.size(); ++k) {
        float x = compute_ops.back() * static_cast<float>(k + 1) / 10.0f;
        while (pt + 1 < compute_ops.size() && compute_ops[pt] < x - 1e-4f) ++pt;
        float cur = compute_ops[pt] / mem_bytes[pt];
        // An extent-1 loop repeats the previous point: nothing to interpolate (TVM divides 0/0).
        if (pt == 0 || compute_ops[pt] == compute_ops[pt - 1]) {
          curve[k] = cur;
        } else {
          float prev = compute_ops[pt - 1] / mem_bytes[pt - 1];
          curve[k] = prev + (cur - prev) / (compute_ops[pt] - compute_ops[pt - 1]) *
                                (x - compute_ops[pt - 1]);
        }
      }
    }
    for (float v : curve) out.value(v);

    // Group 4: allocation (intermediate buffers only; outputs are the caller's).
    bool allocated = !state.dag().consumers(s).empty();
    float alloc_elems = 1;  // the realized region (TVM's BufferRealize bounds)
    for (size_t d = 0; d < op.axes.size(); ++d)
      alloc_elems *= static_cast<float>(bounds[s].axis_extent[d]);
    float alloc_outer = 1;
    for (size_t i = 0; i < m.num_outer[s]; ++i) alloc_outer *= static_cast<float>(stack[i].extent);
    for (float v : {alloc_elems * kElemBytes, alloc_elems * alloc_outer, alloc_outer,
                    outer_prod / alloc_outer})
      out.value(allocated ? v : 0.0f);

    // Group 5: outer scope. An auto-unroll pragma applies to stages computed inside its loops.
    int unroll = 0;
    for (int c = s; unroll == 0; c = state.stage(c).attach_stage) {
      unroll = state.stage(c).auto_unroll_max_step;
      if (state.stage(c).compute_at != ComputeAtKind::Iter) break;
    }
    out.value(outer_prod);
    out.value(static_cast<float>(stack.size()));
    out.value(static_cast<float>(unroll));
    rows.back().values = out.take();
    WT_ASSERT(rows.back().values.size() == kNumPerStoreFeatures, "feature row size");
  }
  return rows;
}

const std::vector<std::string> &feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {
        "float_mad",     "float_addsub",    "float_mul",        "float_divmod",
        "float_cmp",     "float_math_func", "float_other_func", "int_mad",
        "int_addsub",    "int_mul",         "int_divmod",       "int_cmp",
        "int_math_func", "int_other_func",  "bool_op",          "select_op"};
    for (const char *k : {"vec", "unroll", "parallel"}) {
      for (const char *f : {"num", "prod", "len"}) n.push_back(std::string(k) + "_" + f);
      for (const char *p : {"none", "inner_spatial", "middle_spatial", "outer_spatial",
                            "inner_reduce", "middle_reduce", "outer_reduce", "mixed"})
        n.push_back(std::string(k) + "_type." + p);
    }
    for (const char *g : {"is_gpu", "blockIdx_x_len", "blockIdx_y_len", "blockIdx_z_len",
                          "threadIdx_x_len", "threadIdx_y_len", "threadIdx_z_len", "vthread_len"})
      n.push_back(g);
    for (int b = 0; b < kMaxBuffers; ++b) {
      for (const char *f :
           {"acc_type.read", "acc_type.write", "acc_type.read_write", "bytes", "unique_bytes",
            "lines", "unique_lines", "reuse_type.loop_multiple_read",
            "reuse_type.serial_multiple_read_write", "reuse_type.no_reuse", "reuse_dis_iter",
            "reuse_dis_bytes", "reuse_ct", "bytes_d_reuse_ct", "unique_bytes_d_reuse_ct",
            "lines_d_reuse_ct", "unique_lines_d_reuse_ct", "stride"})
        n.push_back("B" + std::to_string(b) + "." + f);
    }
    for (int k = 0; k < 10; ++k) n.push_back("arith_intensity_curve_" + std::to_string(k));
    for (const char *f : {"alloc_size", "alloc_prod", "alloc_outer_prod", "alloc_inner_prod",
                          "outer_prod", "num_loops", "auto_unroll_max_step"})
      n.push_back(f);
    return n;
  }();
  return names;
}

}  // namespace worldtune::features
