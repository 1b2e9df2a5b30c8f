/// \file Workload keys: every registered operator builds, canonical keys, and bad keys get errors
/// that name the bad field.
#include <gtest/gtest.h>

#include "ir/workload.h"
#include "worldtune/error.h"

namespace worldtune::ir {
namespace {

std::string error_of(const std::string &key) {
  try {
    parse_workload(key);
  } catch (const UserError &e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadWorkload);
    return e.what();
  }
  return "";
}

TEST(Workload, EveryOperatorBuildsWithDefaults) {
  for (const OpDefinition &def : WorkloadRegistry::global().ops()) {
    Workload w = parse_workload(def.name);
    EXPECT_GT(w.dag->flop_count(), 0) << def.name;
    EXPECT_FALSE(w.dag->outputs().empty()) << def.name;
    EXPECT_EQ(parse_workload(w.key).key, w.key) << "canonical key is stable for " << def.name;
  }
  EXPECT_GE(WorkloadRegistry::global().ops().size(), 15u);
}

TEST(Workload, CanonicalKeyListsEveryField) {
  Workload w = parse_workload(" conv2d_nhwc:N=1,H=56,W=56,CI=64,CO=64,K=3,S=1,P=1 ");
  EXPECT_EQ(w.key, "conv2d_nhwc:N=1,H=56,W=56,CI=64,CO=64,K=3,S=1,P=1");
  EXPECT_EQ(parse_workload("matmul:K=7").key, "matmul:M=1024,N=1024,K=7");
}

TEST(Workload, AFieldAddedLaterIsLeftOutOfKeysAtItsDefault) {
  const std::string old_key =
      "fused_conv2d:N=1,H=7,W=7,CI=32,CO=32,K=3,S=1,P=1,D=1,G=1,SCALE=0,BIAS=1,ACT=1,RES=0,POST=0";
  EXPECT_EQ(parse_workload(old_key).key, old_key);
  EXPECT_EQ(parse_workload("fused_conv2d:H=7,W=7,CI=32,CO=32,B=1,BIAS=1,ACT=1").key, old_key);
  const Workload packed = parse_workload("fused_conv2d:H=7,W=7,CI=32,CO=32,B=16,BIAS=1,ACT=1");
  EXPECT_EQ(packed.key,
            "fused_conv2d:N=1,H=7,W=7,CI=32,CO=32,K=3,S=1,P=1,D=1,G=1,B=16,SCALE=0,BIAS=1,ACT=1,"
            "RES=0,POST=0");
  EXPECT_EQ(parse_workload(packed.key).key, packed.key);
  EXPECT_NE(error_of("fused_conv2d:CO=24,B=16").find("divisible by field 'B'"), std::string::npos);
}

TEST(Workload, AwkwardExtentsWork) {
  Workload w = parse_workload("matmul:M=197,N=577,K=1000");
  EXPECT_DOUBLE_EQ(w.dag->flop_count(), 2.0 * 197 * 577 * 1000);
}

TEST(Workload, BadKeysNameTheProblem) {
  EXPECT_NE(error_of("matmull:M=1").find("unknown operator 'matmull'"), std::string::npos);
  EXPECT_NE(error_of("matmul:Q=3").find("unknown field 'Q'"), std::string::npos);
  EXPECT_NE(error_of("matmul:M=0").find("field 'M'"), std::string::npos);
  EXPECT_NE(error_of("matmul:M=abc").find("field 'M'"), std::string::npos);
  EXPECT_NE(error_of("matmul:M=-4").find("field 'M'"), std::string::npos);
  EXPECT_NE(error_of("matmul:M").find("'M'"), std::string::npos);
  EXPECT_NE(error_of("matmul:M=2,M=3").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("conv2d_nhwc:H=2,W=2,K=7,P=0").find("field 'H'"), std::string::npos);
  EXPECT_NE(error_of("grouped_conv2d_nhwc:CI=6,G=4").find("field 'CI'"), std::string::npos);
}

}  // namespace
}  // namespace worldtune::ir
