/// \file Prints a HalideProgram as Halide 14 C++: the algorithm (Funcs in the row-major layout of
/// worldtune's IR, so Halide argument lists are reversed) and the schedule, one block per Func.
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "schedule/halide_program.h"

namespace worldtune::schedule {

namespace {

struct ExprPrinter {
  const HalideProgram &p;
  const HalideFunc &func;

  std::string var(int id) const {
    const ir::Op &op = p.dag->op(func.op_id);
    int ns = static_cast<int>(op.axes.size());
    if (id < ns) return func.pure_vars[id];
    return "r_" + func.name + "[" + std::to_string(id - ns) + "]";
  }

  std::string load(const ir::Expr &e, bool guarded) const {
    const HalideFunc &t = p.funcs[e->id];
    const ir::Op &top = p.dag->op(e->id);
    std::ostringstream os;
    os << t.name << "(";
    for (size_t i = e->args.size(); i-- > 0;) {
      std::string idx = print(e->args[i], false);
      if (guarded) idx = "clamp(" + idx + ", 0, " + std::to_string(top.axes[i].extent - 1) + ")";
      os << idx << (i ? ", " : "");
    }
    os << ")";
    return os.str();
  }

  std::string print(const ir::Expr &e, bool guarded) const {
    using ir::ExprKind;
    auto a = [&](int i, bool g) { return print(e->args[i], g); };
    switch (e.kind()) {
      case ExprKind::IntImm:
        return std::to_string(e->int_value);
      case ExprKind::FloatImm:
        if (std::isinf(e->float_value))
          return e->float_value > 0 ? "Float(32).max()" : "Float(32).min()";
        return ir::to_string(e, {}, {});
      case ExprKind::Var:
        return var(e->id);
      case ExprKind::Load:
        return load(e, guarded);
      // Halide's / and % on integers are floor division and modulo.
      case ExprKind::FloorDiv:
        return "(" + a(0, guarded) + "/" + a(1, guarded) + ")";
      case ExprKind::Mod:
        return "(" + a(0, guarded) + " % " + a(1, guarded) + ")";
      // Halide's select evaluates both sides: loads under a condition are clamped in bounds.
      case ExprKind::Select:
        return "select(" + a(0, guarded) + ", " + a(1, true) + ", " + a(2, true) + ")";
      default:
        break;
    }
    if (const char *sym = ir::binary_symbol(e.kind()))
      return "(" + a(0, guarded) + sym + a(1, guarded) + ")";
    std::string call = std::string(ir::call_name(e.kind())) + "(";
    for (size_t i = 0; i < e->args.size(); ++i)
      call += (i ? ", " : "") + a(static_cast<int>(i), guarded);
    return call + ")";
  }
};

std::string ref(const VarRef &v, const std::string &rdom) {
  if (v.rdom_dim >= 0) return rdom + "[" + std::to_string(v.rdom_dim) + "]";
  return v.name;
}

std::string args_reversed(const std::vector<std::string> &vars) {
  std::string s;
  for (size_t i = vars.size(); i-- > 0;) s += vars[i] + (i ? ", " : "");
  return s;
}

void print_definition(std::ostringstream &os, const HalideProgram &p, const HalideFunc &f) {
  const ir::Op &op = p.dag->op(f.op_id);
  ExprPrinter ep{p, f};
  std::string args = args_reversed(f.pure_vars);
  os << "  {\n    Var ";
  for (size_t i = 0; i < f.pure_vars.size(); ++i)
    os << (i ? ", " : "") << f.pure_vars[i] << "(\"" << f.pure_vars[i] << "\")";
  os << ";\n";
  std::string body = ep.print(op.body, false);
  switch (op.reduce) {
    case ir::ReduceKind::None:
      os << "    " << f.name << "(" << args << ") = " << body << ";\n";
      break;
    case ir::ReduceKind::Sum:
      os << "    " << f.name << "(" << args << ") = 0.0f;\n";
      os << "    " << f.name << "(" << args << ") += " << body << ";\n";
      break;
    case ir::ReduceKind::Max:
    case ir::ReduceKind::Min: {
      bool mx = op.reduce == ir::ReduceKind::Max;
      os << "    " << f.name << "(" << args << ") = Float(32)." << (mx ? "min()" : "max()")
         << ";\n";
      os << "    " << f.name << "(" << args << ") = " << (mx ? "max(" : "min(") << f.name << "("
         << args << "), " << body << ");\n";
      break;
    }
  }
  if (f.is_output)
    for (size_t i = 0; i < f.pure_vars.size(); ++i)
      os << "    " << f.name << ".bound(" << f.pure_vars[i] << ", 0, " << op.axes[i].extent
         << ");\n";
  os << "  }\n";
}

void print_schedule(std::ostringstream &os, const HalideProgram &p, const HalideFunc &f) {
  if (f.directives.empty()) return;
  std::map<std::string, bool> decls;  // name -> is_rvar
  for (const Directive &d : f.directives)
    for (const VarRef &v : d.vars)
      if (v.rdom_dim < 0 && !decls.count(v.name)) decls[v.name] = v.is_rvar;
  os << "  {\n";
  for (bool rvar : {false, true}) {
    std::vector<std::string> names;
    for (const auto &[n, r] : decls)
      if (r == rvar) names.push_back(n);
    if (names.empty()) continue;
    os << "    " << (rvar ? "RVar " : "Var ");
    for (size_t i = 0; i < names.size(); ++i)
      os << (i ? ", " : "") << names[i] << "(\"" << names[i] << "\")";
    os << ";\n";
  }
  std::string rdom = "r_" + f.name;
  for (const Directive &d : f.directives) {
    std::string target =
        f.name + (d.definition >= 0 ? ".update(" + std::to_string(d.definition) + ")" : "");
    auto r = [&](size_t i) {
      const std::string &dom =
          d.kind == DirectiveKind::ComputeAt ? "r_" + p.funcs[d.target_func].name : rdom;
      return ref(d.vars[i], dom);
    };
    os << "    ";
    switch (d.kind) {
      case DirectiveKind::Split:
        os << target << ".split(" << r(0) << ", " << r(1) << ", " << r(2) << ", " << d.factor
           << (d.guard || d.definition >= 0 ? ", TailStrategy::GuardWithIf" : "") << ");";
        break;
      case DirectiveKind::Fuse:
        os << target << ".fuse(" << r(0) << ", " << r(1) << ", " << r(2) << ");";
        break;
      case DirectiveKind::Reorder:
        os << target << ".reorder(";
        for (size_t i = 0; i < d.vars.size(); ++i) os << (i ? ", " : "") << r(i);
        os << ");";
        break;
      case DirectiveKind::Parallel:
        os << target << ".parallel(" << r(0) << ");";
        break;
      case DirectiveKind::Vectorize:
        os << target << ".vectorize(" << r(0) << ");";
        break;
      case DirectiveKind::Unroll:
        os << target << ".unroll(" << r(0) << ");";
        break;
      case DirectiveKind::ComputeAt:
        os << f.name << ".compute_at(" << p.funcs[d.target_func].name << ", " << r(0) << ");";
        break;
      case DirectiveKind::ComputeRoot:
        os << f.name << ".compute_root();";
        break;
      case DirectiveKind::ComputeInline:
        os << f.name << ".compute_inline();";
        break;
    }
    os << "\n";
  }
  os << "  }\n";
}

}  // namespace

std::string print_halide_cpp(const HalideProgram &p, const std::string &fn_name,
                             const std::string &comment) {
  std::ostringstream os;
  os << "// " << comment << "\n";
  os << "// Tensors are row-major: Halide dimension 0 is the last (contiguous) axis.\n";
  os << "#include \"Halide.h\"\nusing namespace Halide;\n\n";
  os << "Pipeline " << fn_name << "(std::vector<Argument> &args) {\n";
  for (int id : p.inputs) {
    const HalideFunc &f = p.funcs[id];
    const ir::Op &op = p.dag->op(id);
    int rank = static_cast<int>(op.axes.size());
    os << "  ImageParam " << f.name << "(Float(32), " << rank << ", \"" << f.name << "\");\n";
    int64_t stride = 1;
    for (int d = 0; d < rank; ++d) {
      int64_t ext = op.axes[rank - 1 - d].extent;
      os << "  " << f.name << ".dim(" << d << ").set_bounds(0, " << ext << ").set_stride(" << stride
         << ");\n";
      stride *= ext;
    }
  }
  os << "  args = {";
  for (size_t i = 0; i < p.inputs.size(); ++i) os << (i ? ", " : "") << p.funcs[p.inputs[i]].name;
  os << "};\n";
  for (const HalideFunc &f : p.funcs) {
    if (f.is_input) continue;
    const ir::Op &op = p.dag->op(f.op_id);
    os << "  Func " << f.name << "(\"" << f.name << "\");\n";
    if (!op.reduce_axes.empty()) {
      os << "  RDom r_" << f.name << "({";
      for (size_t j = 0; j < op.reduce_axes.size(); ++j)
        os << (j ? ", " : "") << "{0, " << op.reduce_axes[j].extent << "}";
      os << "}, \"r_" << f.name << "\");\n";
    }
  }
  os << "\n  // Algorithm\n";
  for (const HalideFunc &f : p.funcs)
    if (!f.is_input) print_definition(os, p, f);
  os << "\n  // Schedule\n";
  for (const HalideFunc &f : p.funcs)
    if (!f.is_input) print_schedule(os, p, f);
  os << "  return Pipeline({";
  for (size_t i = 0; i < p.outputs.size(); ++i) os << (i ? ", " : "") << p.funcs[p.outputs[i]].name;
  os << "});\n}\n";
  return os.str();
}

}  // namespace worldtune::schedule
