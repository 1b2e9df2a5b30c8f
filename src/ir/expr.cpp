/// \file Expression construction, traversal, folding and printing.
#include "ir/expr.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "worldtune/error.h"

namespace worldtune::ir {

namespace {

std::shared_ptr<ExprNode> new_node(ExprKind kind) {
  auto n = std::make_shared<ExprNode>();
  n->kind = kind;
  return n;
}

bool is_comparison(ExprKind k) {
  return k == ExprKind::LT || k == ExprKind::LE || k == ExprKind::EQ || k == ExprKind::And;
}

}  // namespace

Expr::Expr(int v) : Expr(static_cast<int64_t>(v)) {}
Expr::Expr(int64_t v) {
  auto n = new_node(ExprKind::IntImm);
  n->int_value = v;
  node_ = n;
}
Expr::Expr(double v) {
  auto n = new_node(ExprKind::FloatImm);
  n->is_float = true;
  n->float_value = v;
  node_ = n;
}

ExprKind Expr::kind() const { return node_->kind; }
bool Expr::is_float() const { return node_->is_float; }

Expr Expr::var(int id) {
  auto n = new_node(ExprKind::Var);
  n->id = id;
  Expr e;
  e.node_ = n;
  return e;
}

Expr Expr::load(int tensor, std::vector<Expr> indices) {
  auto n = new_node(ExprKind::Load);
  n->id = tensor;
  n->is_float = true;
  for (const Expr &i : indices) WT_ASSERT(!i.is_float(), "float index in load");
  n->args = std::move(indices);
  Expr e;
  e.node_ = n;
  return e;
}

Expr Expr::make(ExprKind kind, std::vector<Expr> args) {
  auto n = new_node(kind);
  bool any_float = false;
  for (const Expr &a : args) any_float = any_float || a.is_float();
  switch (kind) {
    case ExprKind::Div:
    case ExprKind::Exp:
    case ExprKind::Sqrt:
    case ExprKind::Tanh:
    case ExprKind::Erf:
      n->is_float = true;
      break;
    case ExprKind::Select:
      n->is_float = args[1].is_float() || args[2].is_float();
      break;
    case ExprKind::FloorDiv:
    case ExprKind::Mod:
      WT_ASSERT(!any_float, "floordiv/mod need integer operands");
      break;
    default:
      n->is_float = !is_comparison(kind) && any_float;
  }
  n->args = std::move(args);
  Expr e;
  e.node_ = n;
  return e;
}

Expr operator+(Expr a, Expr b) { return Expr::make(ExprKind::Add, {a, b}); }
Expr operator-(Expr a, Expr b) { return Expr::make(ExprKind::Sub, {a, b}); }
Expr operator*(Expr a, Expr b) { return Expr::make(ExprKind::Mul, {a, b}); }
Expr operator/(Expr a, Expr b) { return Expr::make(ExprKind::Div, {a, b}); }
Expr floordiv(Expr a, Expr b) { return Expr::make(ExprKind::FloorDiv, {a, b}); }
Expr floormod(Expr a, Expr b) { return Expr::make(ExprKind::Mod, {a, b}); }
Expr min(Expr a, Expr b) { return Expr::make(ExprKind::Min, {a, b}); }
Expr max(Expr a, Expr b) { return Expr::make(ExprKind::Max, {a, b}); }
Expr operator<(Expr a, Expr b) { return Expr::make(ExprKind::LT, {a, b}); }
Expr operator<=(Expr a, Expr b) { return Expr::make(ExprKind::LE, {a, b}); }
Expr operator>=(Expr a, Expr b) { return Expr::make(ExprKind::LE, {b, a}); }
Expr operator==(Expr a, Expr b) { return Expr::make(ExprKind::EQ, {a, b}); }
Expr operator&&(Expr a, Expr b) { return Expr::make(ExprKind::And, {a, b}); }
Expr select(Expr c, Expr t, Expr f) { return Expr::make(ExprKind::Select, {c, t, f}); }
Expr exp(Expr a) { return Expr::make(ExprKind::Exp, {a}); }
Expr sqrt(Expr a) { return Expr::make(ExprKind::Sqrt, {a}); }
Expr tanh(Expr a) { return Expr::make(ExprKind::Tanh, {a}); }
Expr erf(Expr a) { return Expr::make(ExprKind::Erf, {a}); }

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

Expr mutate(const Expr &e, const std::function<Expr(const Expr &)> &fn) {
  Expr cur = e;
  if (!e->args.empty()) {
    std::vector<Expr> args;
    bool changed = false;
    for (const Expr &a : e->args) {
      args.push_back(mutate(a, fn));
      changed = changed || args.back().operator->() != a.operator->();
    }
    if (changed) {
      cur = e.kind() == ExprKind::Load ? Expr::load(e->id, args) : Expr::make(e.kind(), args);
    }
  }
  Expr r = fn(cur);
  return r.defined() ? r : cur;
}

void visit(const Expr &e, const std::function<void(const Expr &)> &fn) {
  fn(e);
  for (const Expr &a : e->args) visit(a, fn);
}

Expr substitute_vars(const Expr &e, const std::vector<Expr> &vars) {
  return mutate(e, [&](const Expr &x) -> Expr {
    if (x.kind() == ExprKind::Var && x->id >= 0 && x->id < static_cast<int>(vars.size()))
      return vars[x->id];
    return Expr();
  });
}

Expr remap_loads(const Expr &e, const std::vector<int> &remap) {
  return mutate(e, [&](const Expr &x) -> Expr {
    if (x.kind() == ExprKind::Load && x->id < static_cast<int>(remap.size()) && remap[x->id] >= 0)
      return Expr::load(remap[x->id], x->args);
    return Expr();
  });
}

Expr simplify(const Expr &e) {
  return mutate(e, [](const Expr &x) -> Expr {
    if (x.is_float() || x->args.size() != 2) return Expr();
    const Expr &a = x->args[0];
    const Expr &b = x->args[1];
    bool ca = a.kind() == ExprKind::IntImm, cb = b.kind() == ExprKind::IntImm;
    int64_t va = ca ? a->int_value : 0, vb = cb ? b->int_value : 0;
    switch (x.kind()) {
      case ExprKind::Add:
        if (ca && cb) return Expr(va + vb);
        if (ca && va == 0) return b;
        if (cb && vb == 0) return a;
        break;
      case ExprKind::Sub:
        if (ca && cb) return Expr(va - vb);
        if (cb && vb == 0) return a;
        break;
      case ExprKind::Mul:
        if (ca && cb) return Expr(va * vb);
        if ((ca && va == 0) || (cb && vb == 0)) return Expr(int64_t{0});
        if (ca && va == 1) return b;
        if (cb && vb == 1) return a;
        break;
      case ExprKind::FloorDiv:
        if (ca && cb) return Expr(floor_div(va, vb));
        if (cb && vb == 1) return a;
        break;
      case ExprKind::Mod:
        if (ca && cb) return Expr(floor_mod(va, vb));
        if (cb && vb == 1) return Expr(int64_t{0});
        break;
      default:
        break;
    }
    return Expr();
  });
}

int64_t eval_int(const Expr &e, const std::vector<int64_t> &vars) {
  auto ev = [&](int i) { return eval_int(e->args[i], vars); };
  switch (e.kind()) {
    case ExprKind::IntImm:
      return e->int_value;
    case ExprKind::Var:
      WT_ASSERT(e->id >= 0 && e->id < static_cast<int>(vars.size()), "unbound var " << e->id);
      return vars[e->id];
    case ExprKind::Add:
      return ev(0) + ev(1);
    case ExprKind::Sub:
      return ev(0) - ev(1);
    case ExprKind::Mul:
      return ev(0) * ev(1);
    case ExprKind::FloorDiv:
      return floor_div(ev(0), ev(1));
    case ExprKind::Mod:
      return floor_mod(ev(0), ev(1));
    case ExprKind::Min:
      return std::min(ev(0), ev(1));
    case ExprKind::Max:
      return std::max(ev(0), ev(1));
    case ExprKind::LT:
      return ev(0) < ev(1);
    case ExprKind::LE:
      return ev(0) <= ev(1);
    case ExprKind::EQ:
      return ev(0) == ev(1);
    case ExprKind::And:
      return ev(0) && ev(1);
    case ExprKind::Select:
      return ev(0) ? ev(1) : ev(2);
    default:
      WT_ASSERT(false, "not an integer expression");
  }
  return 0;
}

const char *binary_symbol(ExprKind k) {
  switch (k) {
    case ExprKind::Add:
      return " + ";
    case ExprKind::Sub:
      return " - ";
    case ExprKind::Mul:
      return "*";
    case ExprKind::Div:
      return "/";
    case ExprKind::LT:
      return " < ";
    case ExprKind::LE:
      return " <= ";
    case ExprKind::EQ:
      return " == ";
    case ExprKind::And:
      return " && ";
    default:
      return nullptr;
  }
}

const char *call_name(ExprKind k) {
  switch (k) {
    case ExprKind::FloorDiv:
      return "floordiv";
    case ExprKind::Mod:
      return "floormod";
    case ExprKind::Min:
      return "min";
    case ExprKind::Max:
      return "max";
    case ExprKind::Select:
      return "select";
    case ExprKind::Exp:
      return "exp";
    case ExprKind::Sqrt:
      return "sqrt";
    case ExprKind::Tanh:
      return "tanh";
    case ExprKind::Erf:
      return "erf";
    default:
      return nullptr;
  }
}

std::string to_string(const Expr &e, const std::vector<std::string> &var_names,
                      const std::vector<std::string> &tensor_names) {
  auto sub = [&](const Expr &x) { return to_string(x, var_names, tensor_names); };
  std::ostringstream os;
  switch (e.kind()) {
    case ExprKind::IntImm:
      os << e->int_value;
      break;
    case ExprKind::FloatImm: {
      std::ostringstream f;
      f.precision(9);
      f << e->float_value;
      std::string s = f.str();
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      os << s << "f";
      break;
    }
    case ExprKind::Var:
      if (e->id >= 0 && e->id < static_cast<int>(var_names.size()))
        os << var_names[e->id];
      else
        os << "v" << e->id;
      break;
    case ExprKind::Load: {
      if (e->id >= 0 && e->id < static_cast<int>(tensor_names.size()))
        os << tensor_names[e->id];
      else
        os << "T" << e->id;
      os << "[";
      for (size_t i = 0; i < e->args.size(); ++i) os << (i ? ", " : "") << sub(e->args[i]);
      os << "]";
      break;
    }
    default:
      if (const char *sym = binary_symbol(e.kind())) {
        os << "(" << sub(e->args[0]) << sym << sub(e->args[1]) << ")";
      } else {
        os << call_name(e.kind()) << "(";
        for (size_t i = 0; i < e->args.size(); ++i) os << (i ? ", " : "") << sub(e->args[i]);
        os << ")";
      }
  }
  return os.str();
}

std::optional<Interval> int_bounds(const Expr &e, const std::map<int, Interval> &vars) {
  auto sub = [&](int i) { return int_bounds(e->args[i], vars); };
  switch (e.kind()) {
    case ExprKind::IntImm:
      return Interval{e->int_value, e->int_value};
    case ExprKind::Var: {
      auto it = vars.find(e->id);
      return it == vars.end() ? Interval{0, 0} : it->second;
    }
    case ExprKind::Add: {
      auto a = sub(0), b = sub(1);
      if (!a || !b) return std::nullopt;
      return Interval{a->lo + b->lo, a->hi + b->hi};
    }
    case ExprKind::Sub: {
      auto a = sub(0), b = sub(1);
      if (!a || !b) return std::nullopt;
      return Interval{a->lo - b->hi, a->hi - b->lo};
    }
    case ExprKind::Mul: {
      auto a = sub(0), b = sub(1);
      if (!a || !b) return std::nullopt;
      int64_t c[4] = {a->lo * b->lo, a->lo * b->hi, a->hi * b->lo, a->hi * b->hi};
      return Interval{*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
    }
    case ExprKind::FloorDiv:
    case ExprKind::Mod: {
      auto a = sub(0), b = sub(1);
      if (!a || !b || b->lo != b->hi || b->lo <= 0) return std::nullopt;
      int64_t d = b->lo;
      if (e.kind() == ExprKind::FloorDiv) return Interval{floor_div(a->lo, d), floor_div(a->hi, d)};
      if (floor_div(a->lo, d) == floor_div(a->hi, d))
        return Interval{floor_mod(a->lo, d), floor_mod(a->hi, d)};
      return Interval{0, d - 1};
    }
    case ExprKind::Min:
    case ExprKind::Max: {
      auto a = sub(0), b = sub(1);
      if (!a || !b) return std::nullopt;
      if (e.kind() == ExprKind::Min)
        return Interval{std::min(a->lo, b->lo), std::min(a->hi, b->hi)};
      return Interval{std::max(a->lo, b->lo), std::max(a->hi, b->hi)};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace worldtune::ir
