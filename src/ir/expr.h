/// \file Expressions of worldtune's tensor-expression IR (in the spirit of TVM's TE): immutable,
/// shared trees. Index expressions are integer valued (axes, constants, + - * floordiv mod);
/// value expressions are float valued (loads of producer tensors and arithmetic on them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace worldtune::ir {

enum class ExprKind : uint8_t {
  IntImm,
  FloatImm,
  Var,   ///< an axis of the enclosing op (spatial axes first, then reduce axes), or a loop id
  Load,  ///< producer tensor element, indices row-major (last index contiguous)
  Add,
  Sub,
  Mul,
  Div,  ///< float division
  FloorDiv,
  Mod,  ///< floor modulo
  Min,
  Max,
  LT,
  LE,
  EQ,
  And,
  Select,  ///< args: cond, true value, false value
  Exp,
  Sqrt,
  Tanh,
  Erf,  ///< the error function (GELU)
};

struct ExprNode;

class Expr {
 public:
  Expr() = default;
  Expr(int v);      // NOLINT: implicit constants keep operator bodies readable
  Expr(int64_t v);  // NOLINT
  Expr(double v);   // NOLINT
  Expr(float v) : Expr(static_cast<double>(v)) {}  // NOLINT

  static Expr var(int id);
  static Expr load(int tensor, std::vector<Expr> indices);
  static Expr make(ExprKind kind, std::vector<Expr> args);

  bool defined() const { return node_ != nullptr; }
  const ExprNode &node() const { return *node_; }
  const ExprNode *operator->() const { return node_.get(); }
  ExprKind kind() const;
  bool is_float() const;

 private:
  std::shared_ptr<const ExprNode> node_;
};

struct ExprNode {
  ExprKind kind = ExprKind::IntImm;
  bool is_float = false;
  int64_t int_value = 0;
  double float_value = 0;
  int id = -1;  ///< Var: axis id; Load: tensor id
  std::vector<Expr> args;
};

Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);  ///< float division (both sides promoted to float)
Expr floordiv(Expr a, Expr b);
Expr floormod(Expr a, Expr b);
Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator==(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr select(Expr cond, Expr t, Expr f);
Expr exp(Expr a);
Expr sqrt(Expr a);
Expr tanh(Expr a);
Expr erf(Expr a);

/// Integer floor division/modulo with Python semantics (what the IR means by floordiv/mod).
int64_t floor_div(int64_t a, int64_t b);
int64_t floor_mod(int64_t a, int64_t b);

/// Rewrites every node bottom-up; fn returns an undefined Expr to keep the node as is.
Expr mutate(const Expr &e, const std::function<Expr(const Expr &)> &fn);
/// Visits every node pre-order.
void visit(const Expr &e, const std::function<void(const Expr &)> &fn);
/// Replaces Var(id) by vars[id] (ids out of range stay).
Expr substitute_vars(const Expr &e, const std::vector<Expr> &vars);
/// Replaces the tensor id of every Load by remap[id] (-1 keeps it).
Expr remap_loads(const Expr &e, const std::vector<int> &remap);
/// Constant folding of integer arithmetic (enough to keep printed index expressions tidy).
Expr simplify(const Expr &e);

/// Closed integer range [lo, hi].
struct Interval {
  int64_t lo = 0, hi = 0;
};
/// Range of an integer index expression given ranges of its vars (vars not listed are 0);
/// nullopt for non-affine forms it cannot bound (division by a non-constant, float parts).
std::optional<Interval> int_bounds(const Expr &e, const std::map<int, Interval> &vars);

/// Evaluates an integer expression with var values.
int64_t eval_int(const Expr &e, const std::vector<int64_t> &vars);

/// Infix spelling of Add, Sub, Mul, Div, LT, LE, EQ, And (" + ", "*", ...); nullptr otherwise.
const char *binary_symbol(ExprKind kind);
/// Function-call spelling of the other non-leaf kinds ("floordiv", "min", "select", "exp", ...).
const char *call_name(ExprKind kind);

/// Printable form, with names for vars and tensors.
std::string to_string(const Expr &e, const std::vector<std::string> &var_names,
                      const std::vector<std::string> &tensor_names);

}  // namespace worldtune::ir
