/// \file HalideProgram -> Halide 14 Funcs, schedule and AOT compilation. Mirrors
/// halide_printer.cpp expression for expression: the printed code is what runs here.
#include "halide/halide_backend.h"

#include <Halide.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cmath>
#include <cstdlib>
#include <map>

#include "worldtune/error.h"

namespace worldtune::halide_backend {

namespace {

using schedule::Directive;
using schedule::DirectiveKind;
using schedule::HalideFunc;
using schedule::HalideProgram;
using schedule::VarRef;

struct Built {
  std::vector<Halide::ImageParam> params;  // by op id (only inputs valid)
  std::vector<Halide::Func> funcs;         // by op id (only computes valid)
  std::vector<std::vector<Halide::Var>> vars;
  std::vector<Halide::RDom> rdoms;
  std::vector<Halide::Argument> args;
  std::vector<Halide::Func> outputs;
};

class Translator {
 public:
  Translator(const HalideProgram &p, Built &b, int op) : p_(p), b_(b), op_(op) {}

  Halide::Expr operator()(const ir::Expr &e, bool guarded) const {
    using ir::ExprKind;
    auto a = [&](int i, bool g) { return (*this)(e->args[i], g); };
    switch (e.kind()) {
      case ExprKind::IntImm:
        return Halide::Expr(static_cast<int>(e->int_value));
      case ExprKind::FloatImm:
        if (std::isinf(e->float_value))
          return e->float_value > 0 ? Halide::Float(32).max() : Halide::Float(32).min();
        return Halide::Expr(static_cast<float>(e->float_value));
      case ExprKind::Var: {
        int ns = static_cast<int>(p_.dag->op(op_).axes.size());
        if (e->id < ns) return b_.vars[op_][e->id];
        return b_.rdoms[op_][e->id - ns];
      }
      case ExprKind::Load:
        return load(e, guarded);
      case ExprKind::Add:
        return a(0, guarded) + a(1, guarded);
      case ExprKind::Sub:
        return a(0, guarded) - a(1, guarded);
      case ExprKind::Mul:
        return a(0, guarded) * a(1, guarded);
      case ExprKind::Div:
      case ExprKind::FloorDiv:
        return a(0, guarded) / a(1, guarded);
      case ExprKind::Mod:
        return a(0, guarded) % a(1, guarded);
      case ExprKind::Min:
        return Halide::min(a(0, guarded), a(1, guarded));
      case ExprKind::Max:
        return Halide::max(a(0, guarded), a(1, guarded));
      case ExprKind::LT:
        return a(0, guarded) < a(1, guarded);
      case ExprKind::LE:
        return a(0, guarded) <= a(1, guarded);
      case ExprKind::EQ:
        return a(0, guarded) == a(1, guarded);
      case ExprKind::And:
        return a(0, guarded) && a(1, guarded);
      case ExprKind::Select:
        return Halide::select(a(0, guarded), a(1, true), a(2, true));
      case ExprKind::Exp:
        return Halide::exp(a(0, guarded));
      case ExprKind::Sqrt:
        return Halide::sqrt(a(0, guarded));
      case ExprKind::Tanh:
        return Halide::tanh(a(0, guarded));
      case ExprKind::Erf:
        return Halide::erf(a(0, guarded));
    }
    WT_ASSERT(false, "unhandled expression kind");
    return Halide::Expr();
  }

 private:
  Halide::Expr load(const ir::Expr &e, bool guarded) const {
    const ir::Op &t = p_.dag->op(e->id);
    std::vector<Halide::Expr> idx;
    for (size_t i = e->args.size(); i-- > 0;) {
      Halide::Expr x = (*this)(e->args[i], false);
      if (guarded) x = Halide::clamp(x, 0, static_cast<int>(t.axes[i].extent - 1));
      idx.push_back(x);
    }
    if (t.is_placeholder) return b_.params[e->id](idx);
    return b_.funcs[e->id](idx);
  }

  const HalideProgram &p_;
  Built &b_;
  int op_;
};

void define_algorithm(const HalideProgram &p, Built &b) {
  int n = p.dag->num_ops();
  b.params.resize(n);
  b.funcs.resize(n);
  b.vars.resize(n);
  b.rdoms.resize(n);
  for (int id = 0; id < n; ++id) {
    const ir::Op &op = p.dag->op(id);
    const HalideFunc &f = p.funcs[id];
    int rank = static_cast<int>(op.axes.size());
    if (op.is_placeholder) {
      b.params[id] = Halide::ImageParam(Halide::Float(32), rank, f.name);
      int stride = 1;
      for (int d = 0; d < rank; ++d) {
        int ext = static_cast<int>(op.axes[rank - 1 - d].extent);
        // Estimates are read by Halide's autoschedulers only; the bounds are what compiles in.
        b.params[id].dim(d).set_bounds(0, ext).set_stride(stride).set_estimate(0, ext);
        stride *= ext;
      }
      b.args.push_back(b.params[id]);
      continue;
    }
    b.funcs[id] = Halide::Func(f.name);
    for (const std::string &v : f.pure_vars) b.vars[id].push_back(Halide::Var(v));
    if (!op.reduce_axes.empty()) {
      Halide::Region region;
      for (const ir::Axis &a : op.reduce_axes) region.push_back({0, static_cast<int>(a.extent)});
      b.rdoms[id] = Halide::RDom(region, "r_" + f.name);
    }
  }
  for (int id = 0; id < n; ++id) {
    const ir::Op &op = p.dag->op(id);
    if (op.is_placeholder) continue;
    Translator tr(p, b, id);
    std::vector<Halide::Var> args(b.vars[id].rbegin(), b.vars[id].rend());
    std::vector<Halide::Expr> eargs(args.begin(), args.end());
    Halide::Func &f = b.funcs[id];
    Halide::Expr body = tr(op.body, false);
    switch (op.reduce) {
      case ir::ReduceKind::None:
        f(args) = body;
        break;
      case ir::ReduceKind::Sum:
        f(args) = 0.0f;
        f(eargs) = f(eargs) + body;
        break;
      case ir::ReduceKind::Max:
        f(args) = Halide::Float(32).min();
        f(eargs) = Halide::max(f(eargs), body);
        break;
      case ir::ReduceKind::Min:
        f(args) = Halide::Float(32).max();
        f(eargs) = Halide::min(f(eargs), body);
        break;
    }
    if (p.funcs[id].is_output) {
      for (size_t i = 0; i < b.vars[id].size(); ++i) {
        f.bound(b.vars[id][i], 0, static_cast<int>(op.axes[i].extent));
        f.set_estimate(b.vars[id][i], 0, static_cast<int>(op.axes[i].extent));
      }
      b.outputs.push_back(f);
    }
  }
}

Halide::VarOrRVar resolve(const Built &b, int func, const VarRef &v) {
  if (v.rdom_dim >= 0) return Halide::RVar(b.rdoms[func][v.rdom_dim]);
  if (v.is_rvar) return Halide::RVar(v.name);
  return Halide::Var(v.name);
}

void apply_schedule(const HalideProgram &p, Built &b) {
  for (const HalideFunc &hf : p.funcs) {
    if (hf.is_input) continue;
    Halide::Func &f = b.funcs[hf.op_id];
    for (const Directive &d : hf.directives) {
      Halide::Stage st =
          d.definition >= 0 ? Halide::Stage(f.update(d.definition)) : Halide::Stage(f);
      auto r = [&](size_t i) { return resolve(b, hf.op_id, d.vars[i]); };
      switch (d.kind) {
        case DirectiveKind::Split: {
          Halide::TailStrategy tail = (d.guard || d.definition >= 0)
                                          ? Halide::TailStrategy::GuardWithIf
                                          : Halide::TailStrategy::Auto;
          st.split(r(0), r(1), r(2), static_cast<int>(d.factor), tail);
          break;
        }
        case DirectiveKind::Fuse:
          st.fuse(r(0), r(1), r(2));
          break;
        case DirectiveKind::Reorder: {
          std::vector<Halide::VarOrRVar> order;
          for (size_t i = 0; i < d.vars.size(); ++i) order.push_back(r(i));
          st.reorder(order);
          break;
        }
        case DirectiveKind::Parallel:
          st.parallel(r(0));
          break;
        case DirectiveKind::Vectorize:
          st.vectorize(r(0));
          break;
        case DirectiveKind::Unroll:
          st.unroll(r(0));
          break;
        case DirectiveKind::ComputeAt: {
          Halide::VarOrRVar v = resolve(b, d.target_func, d.vars[0]);
          if (v.is_rvar)
            f.compute_at(b.funcs[d.target_func], v.rvar);
          else
            f.compute_at(b.funcs[d.target_func], v.var);
          break;
        }
        case DirectiveKind::ComputeRoot:
          f.compute_root();
          break;
        case DirectiveKind::ComputeInline:
          f.compute_inline();
          break;
      }
    }
  }
}

/// AVX-VNNI (VEX-encoded vpdpwssd and friends): CPUID leaf 7, sub-leaf 1, EAX bit 4.
bool cpu_has_avx_vnni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 1, &a, &b, &c, &d) != 0 && (a & (1u << 4)) != 0;
#else
  return false;
#endif
}

/// Halide 14 calls a CPU with AVX512-BF16 Sapphire Rapids and LLVM's sapphirerapids has AVX-VNNI,
/// which it picks for index arithmetic ({vex} vpdpwssd). Zen 4 has the BF16 but not AVX-VNNI, so
/// such programs died there of SIGILL (41 of 2,688 corpus programs): a host without AVX-VNNI gets
/// Cannon Lake's feature set, which it has in full.
Halide::Target host_target() {
  Halide::Target t = Halide::get_host_target();
  if (t.has_feature(Halide::Target::AVX512_SapphireRapids) && !cpu_has_avx_vnni())
    t = t.without_feature(Halide::Target::AVX512_SapphireRapids);
  return t;
}

Halide::Target target_from(const std::string &target) {
  if (target.empty() || target == "host") return host_target();
  WT_USER_CHECK(Halide::Target::validate_target_string(target), BadTarget,
                "'" << target << "' is not a Halide target string");
  return Halide::Target(target);
}

/// Runs fn, turning Halide's errors into an outcome of the given phase.
template <typename Fn>
bool guarded(FailedPhase phase, CompileOutcome &out, Fn fn) {
  try {
    fn();
    return true;
  } catch (const Halide::Error &e) {
    out.failed = phase;
    out.message = e.what();
  } catch (const UserError &e) {
    out.failed = phase;
    out.message = e.what();
  } catch (const std::exception &e) {
    out.failed = phase;
    out.message = e.what();
  }
  return false;
}

}  // namespace

std::string host_target_string() { return host_target().to_string(); }

std::string canonical_target_string(const std::string &target) {
  return target_from(target).to_string();
}

namespace {

/// Builds fresh Funcs, schedules them unless `scheduled` is false (an autoscheduler's input),
/// then hands the pipeline to `emit`; errors become outcomes.
template <typename Emit>
CompileOutcome with_pipeline(const HalideProgram &program, Emit emit, bool scheduled = true) {
  CompileOutcome out;
  Built b;
  if (!guarded(FailedPhase::Instantiate, out, [&] {
        define_algorithm(program, b);
        if (scheduled) apply_schedule(program, b);
      }))
    return out;
  guarded(FailedPhase::Compile, out, [&] { emit(Halide::Pipeline(b.outputs), b.args); });
  return out;
}

}  // namespace

CompileOutcome compile_to_object(const HalideProgram &program, const std::string &object_path,
                                 const std::string &fn_name, const std::string &target) {
  return with_pipeline(program, [&](Halide::Pipeline p, const std::vector<Halide::Argument> &args) {
    p.compile_to_object(object_path, args, fn_name,
                        target_from(target).with_feature(Halide::Target::NoRuntime));
  });
}

void compile_runtime_object(const std::string &object_path, const std::string &target) {
  Halide::compile_standalone_runtime(object_path, target_from(target));
}

namespace {

/// Loads the autoscheduler's plugin (once per process: it registers itself by name).
std::string load_autoscheduler(Autoscheduler a) {
  static bool loaded[2] = {false, false};
  const char *plugin =
      a == Autoscheduler::Adams2019 ? WT_HALIDE_ADAMS2019_PLUGIN : WT_HALIDE_MULLAPUDI2016_PLUGIN;
  if (!loaded[static_cast<int>(a)]) {
    // Adams2019 logs its search to stderr at level 0; -1 silences it unless the user asks.
    ::setenv("HL_DEBUG_AUTOSCHEDULE", "-1", 0);
    Halide::load_plugin(plugin);
    loaded[static_cast<int>(a)] = true;
  }
  return a == Autoscheduler::Adams2019 ? "Adams2019" : "Mullapudi2016";
}

}  // namespace

CompileOutcome compile_autoscheduled_object(const HalideProgram &program,
                                            Autoscheduler autoscheduler, int parallelism,
                                            const std::string &object_path,
                                            const std::string &fn_name, const std::string &target) {
  return with_pipeline(
      program,
      [&](Halide::Pipeline p, const std::vector<Halide::Argument> &args) {
        Halide::Target t = target_from(target);
        // Halide's generic cache size and load/compute balance; only the core count is the host's.
        Halide::MachineParams generic = Halide::MachineParams::generic();
        Halide::MachineParams machine(parallelism, generic.last_level_cache_size, generic.balance);
        p.auto_schedule(load_autoscheduler(autoscheduler), t, machine);
        p.compile_to_object(object_path, args, fn_name, t.with_feature(Halide::Target::NoRuntime));
      },
      false);
}

CompileOutcome compile_to_library(const HalideProgram &program, const LibraryFiles &files,
                                  const std::string &fn_name, const std::string &target,
                                  bool with_runtime) {
  return with_pipeline(program, [&](Halide::Pipeline p, const std::vector<Halide::Argument> &args) {
    std::map<Halide::OutputFileType, std::string> outputs;
    if (!files.static_library.empty())
      outputs[Halide::OutputFileType::static_library] = files.static_library;
    if (!files.c_header.empty()) outputs[Halide::OutputFileType::c_header] = files.c_header;
    if (!files.stmt.empty()) outputs[Halide::OutputFileType::stmt] = files.stmt;
    Halide::Target t = target_from(target);
    if (!with_runtime) t = t.with_feature(Halide::Target::NoRuntime);
    p.compile_to(outputs, args, fn_name, t);
  });
}

std::string runtime_include_dir() { return WT_HALIDE_INCLUDE_DIR; }

}  // namespace worldtune::halide_backend
