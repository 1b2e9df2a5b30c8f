/// \file A State lowered to the shape Halide wants: one Func per op with its definition(s) and an
/// ordered list of schedule directives. Two consumers read it: the Halide C++ printer (for users)
/// and the Halide backend (which replays it onto fresh Funcs), so they cannot disagree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/compute_dag.h"
#include "schedule/state.h"

namespace worldtune::schedule {

enum class DirectiveKind : uint8_t {
  Split,      ///< vars: old, outer, inner; factor; guard (GuardWithIf when not exact)
  Fuse,       ///< vars: inner, outer, fused
  Reorder,    ///< vars: innermost first (Halide's order)
  Parallel,   ///< vars: v
  Vectorize,  ///< vars: v
  Unroll,     ///< vars: v
  ComputeAt,  ///< target_func; vars: target loop
  ComputeRoot,
  ComputeInline,
};

/// A loop variable reference: a named Var/RVar, or dimension `rdom_dim` of the Func's RDom.
struct VarRef {
  std::string name;
  bool is_rvar = false;
  int rdom_dim = -1;
};

struct Directive {
  DirectiveKind kind = DirectiveKind::ComputeRoot;
  int definition = -1;  ///< -1: pure definition, 0: update definition
  std::vector<VarRef> vars;
  int64_t factor = 0;
  bool guard = false;
  int target_func = -1;
};

struct HalideFunc {
  std::string name;  ///< C++ identifier and Halide name
  int op_id = -1;
  bool is_input = false;
  bool is_output = false;
  std::vector<std::string> pure_vars;  ///< op axes, in op order (Halide args are reversed)
  std::vector<Directive> directives;
};

struct HalideProgram {
  std::shared_ptr<const ir::ComputeDAG> dag;  ///< the state's current DAG
  std::vector<HalideFunc> funcs;              ///< one per op, same ids
  std::vector<int> outputs;
  std::vector<int> inputs;
};

/// Lowers a concrete state. Throws UserError(BadSchedule) for what Halide cannot express on CPU
/// (GPU annotations, undefined split lengths).
HalideProgram lower_to_halide(const State &state);

/// The naive reference schedule: every stage computed at root with serial loops.
HalideProgram naive_halide_program(std::shared_ptr<const ir::ComputeDAG> dag);

/// The program as Halide C++: a function that defines the algorithm, applies the schedule and
/// returns the pipeline; `fn_name` names it.
std::string print_halide_cpp(const HalideProgram &program, const std::string &fn_name,
                             const std::string &comment);

/// A valid C++ identifier derived from a name ("C.local" -> "C_local").
std::string sanitize_identifier(const std::string &name);

}  // namespace worldtune::schedule
