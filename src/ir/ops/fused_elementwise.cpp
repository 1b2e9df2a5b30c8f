/// \file A network's data-movement subgraphs: fused_elementwise (a transpose of X[D0..D3], the
/// identity included, + epilogue: what is left of an elementwise chain once no anchor took it,
/// or a layout change) and fused_concat (up to four X_i[M,C_i] side by side along the last axis;
/// a concat along any axis is one along the last of [outer, C_i x inner]).
#include "ir/ops/ops.h"
#include "worldtune/error.h"

namespace worldtune::ir {

namespace {

constexpr int kRank = 4;
constexpr int kConcatInputs = 4;

std::string field(const char *prefix, int i) { return prefix + std::to_string(i); }

ComputeDAG elementwise(const ParamMap &p) {
  std::vector<int64_t> in_shape, perm;
  std::vector<bool> seen(kRank, false);
  for (int i = 0; i < kRank; ++i) {
    in_shape.push_back(p.at(field("D", i)));
    perm.push_back(p.at(field("P", i)));
    WT_USER_CHECK(!seen[static_cast<size_t>(perm.back())], BadWorkload,
                  "fields P0..P3 must be a permutation of 0..3");
    seen[static_cast<size_t>(perm.back())] = true;
  }
  DagBuilder b;
  Tensor X = b.placeholder("X", in_shape);
  std::vector<Axis> axes;
  for (int k = 0; k < kRank; ++k)
    axes.push_back({"i" + std::to_string(k), in_shape[static_cast<size_t>(perm[k])]});
  Tensor out = b.compute("transpose", axes, [&](const Vars &v) {
    Vars j(kRank);
    for (size_t k = 0; k < kRank; ++k) j[static_cast<size_t>(perm[k])] = v[k];
    return X(j);
  });
  apply_epilogue(b, out, p);
  return b.build();
}

ComputeDAG concat(const ParamMap &p) {
  const int64_t M = p.at("M");
  DagBuilder b;
  std::vector<Tensor> parts;
  std::vector<int64_t> starts;
  int64_t total = 0;
  for (int i = 0; i < kConcatInputs; ++i) {
    const int64_t c = p.at(field("C", i));
    if (c == 0) continue;
    parts.push_back(b.placeholder(field("X", i), {M, c}));
    starts.push_back(total);
    total += c;
  }
  WT_USER_CHECK(total < kExtentLimit, BadWorkload, "fields C0..C3 add up to too many channels");
  b.compute("concat", {{"m", M}, {"c", total}}, [&](const Vars &v) {
    // Clamped reads: Halide evaluates both sides of a select, and bounds inference must keep
    // each part's reads inside it.
    Expr value;
    for (size_t i = parts.size(); i-- > 0;) {
      const int64_t extent = parts[i].shape[1];
      Expr c = min(max(v[1] - Expr(starts[i]), Expr(0)), Expr(extent - 1));
      Expr read = parts[i](v[0], c);
      value = value.defined() ? select(v[1] < Expr(starts[i] + extent), read, value) : read;
    }
    return value;
  });
  return b.build();
}

}  // namespace

void register_fused_elementwise(WorkloadRegistry &r) {
  std::vector<ParamSpec> shape;
  for (int i = 0; i < kRank; ++i) shape.push_back(param(field("D", i), 8, "input extent"));
  for (int i = 0; i < kRank; ++i) {
    ParamSpec axis = param(field("P", i), i, "input axis of output axis " + std::to_string(i), 0);
    axis.max_value = kRank - 1;
    shape.push_back(axis);
  }
  r.add({"fused_elementwise", "out = transpose(X[D0,D1,D2,D3], P0..P3) + epilogue",
         "fused_elementwise", with_epilogue(shape), elementwise});
  std::vector<ParamSpec> parts = {param("M", 64, "rows")};
  for (int i = 0; i < kConcatInputs; ++i)
    parts.push_back(param(field("C", i), i < 2 ? 8 : 0, "columns of input " + std::to_string(i),
                          i == 0 ? 1 : 0));
  r.add({"fused_concat", "out[M, C0+..+C3] = X0[M,C0] | .. | X3[M,C3] (C_i = 0: absent)",
         "fused_concat", parts, concat});
}

}  // namespace worldtune::ir
