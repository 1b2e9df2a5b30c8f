/// \file Expression construction, folding, evaluation and substitution.
#include <gtest/gtest.h>

#include "ir/expr.h"

namespace worldtune::ir {
namespace {

TEST(Expr, TypesFollowOperands) {
  Expr i = Expr::var(0);
  EXPECT_FALSE((i * Expr(2) + Expr(1)).is_float());
  EXPECT_TRUE((Expr::load(0, {i}) * Expr(2)).is_float());
  EXPECT_FALSE((i < Expr(3)).is_float());
  EXPECT_TRUE(select(i < Expr(3), Expr::load(0, {i}), Expr(0.0)).is_float());
}

TEST(Expr, FloorDivisionAndModuloArePythonStyle) {
  EXPECT_EQ(floor_div(-7, 2), -4);
  EXPECT_EQ(floor_mod(-7, 2), 1);
  EXPECT_EQ(floor_div(7, 2), 3);
  Expr e = floormod(Expr::var(0) - Expr(5), Expr(3));
  EXPECT_EQ(eval_int(e, {1}), 2);
}

TEST(Expr, SimplifyFoldsConstantsAndIdentities) {
  Expr v = Expr::var(0);
  EXPECT_EQ(to_string(simplify(v * Expr(1) + Expr(0)), {"x"}, {}), "x");
  EXPECT_EQ(to_string(simplify(Expr(3) * Expr(4) + v), {"x"}, {}), "(12 + x)");
  EXPECT_EQ(simplify(floormod(v, Expr(1))).kind(), ExprKind::IntImm);
}

TEST(Expr, SubstituteReplacesVarsOnce) {
  Expr e = Expr::var(0) + Expr::var(1);
  Expr s = substitute_vars(e, {Expr::var(1), Expr(5)});
  EXPECT_EQ(eval_int(s, {0, 10}), 15);
}

TEST(Expr, PrintsLoadsWithNames) {
  Expr e = Expr::load(0, {Expr::var(0), Expr::var(1) + Expr(1)}) * Expr(2.0);
  EXPECT_EQ(to_string(e, {"i", "j"}, {"A"}), "(A[i, (j + 1)]*2.0f)");
}

}  // namespace
}  // namespace worldtune::ir
