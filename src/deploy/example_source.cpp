/// \file Generation of the exported example program and its build script.
#include "deploy/example_source.h"

#include <sstream>

#include "schedule/halide_program.h"
#include "support/strings.h"

namespace worldtune::deploy {

namespace {

/// Parts of the example that do not depend on the workload.
constexpr const char *kHelpers = R"(namespace {

/// A float32 tensor in worldtune's layout: row-major, last axis contiguous (Halide's dimension 0).
/// 128-byte aligned: Halide's kernels use aligned vector loads and stores.
struct Tensor {
  std::vector<halide_dimension_t> dims;
  halide_buffer_t buffer = {};
  float *data = nullptr;
  size_t size = 1;

  explicit Tensor(const std::vector<int> &shape) {
    for (size_t i = shape.size(); i-- > 0;) {
      dims.push_back(halide_dimension_t(0, shape[i], static_cast<int32_t>(size)));
      size *= static_cast<size_t>(shape[i]);
    }
    data = static_cast<float *>(std::aligned_alloc(128, (size * sizeof(float) + 127) / 128 * 128));
    buffer.host = reinterpret_cast<uint8_t *>(data);
    buffer.type = halide_type_t(halide_type_float, 32);
    buffer.dimensions = static_cast<int32_t>(dims.size());
    buffer.dim = dims.data();
  }
  ~Tensor() { std::free(data); }
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;

  /// Deterministic values in [-1, 1), the same on every machine.
  void fill(uint32_t salt) {
    for (size_t i = 0; i < size; ++i)
      data[i] = static_cast<float>((i * 2654435761u + salt * 40503u) % 2048) / 1024.0f - 1.0f;
  }
};

/// The tolerance of worldtune's runner: |got - ref| <= 1e-5 * max(1, max |ref|) + 1e-3 * |ref|.
bool matches(const char *name, const Tensor &got, const Tensor &ref) {
  double scale = 0, max_error = 0;
  for (size_t i = 0; i < ref.size; ++i) scale = std::max(scale, std::fabs(double(ref.data[i])));
  double atol = 1e-5 * std::max(1.0, scale);
  size_t first_bad = ref.size;
  for (size_t i = 0; i < ref.size; ++i) {
    double g = got.data[i], r = ref.data[i], error = std::fabs(g - r);
    if (!(error <= atol + 1e-3 * std::fabs(r)) && first_bad == ref.size) first_bad = i;
    if (!(error <= max_error)) max_error = error;  // NaN counts
  }
  std::printf("%s: max abs error %g (max |reference| %g)\n", name, max_error, scale);
  if (first_bad != ref.size)
    std::printf("%s: first mismatch at element %zu: got %g, expected %g\n", name, first_bad,
                double(got.data[first_bad]), double(ref.data[first_bad]));
  return first_bad == ref.size;
}

}  // namespace

)";

/// The example's tensor variables: `in_<placeholder>` for inputs, `<output>` for outputs (the
/// example prefixes those with out_ and ref_).
struct TensorNames {
  std::vector<std::string> inputs, outputs;
};

TensorNames tensor_names(const ir::ComputeDAG &dag) {
  TensorNames n;
  for (int id : dag.placeholders())
    n.inputs.push_back("in_" + schedule::sanitize_identifier(dag.op(id).name));
  for (int id : dag.outputs()) n.outputs.push_back(schedule::sanitize_identifier(dag.op(id).name));
  return n;
}

std::string shape_of(const ir::Op &op) {
  return "{" +
         join_mapped(op.axes, ", ", [](const ir::Axis &a) { return std::to_string(a.extent); }) +
         "}";
}

}  // namespace

std::string example_source(const ir::ComputeDAG &dag, const std::string &name,
                           const std::string &workload_key) {
  const TensorNames names = tensor_names(dag);
  const std::vector<std::string> &inputs = names.inputs, &outputs = names.outputs;
  auto call = [&](const std::string &fn, const std::string &out_prefix) {
    return fn + "(" +
           join_mapped(inputs, ", ", [](const std::string &s) { return "&" + s + ".buffer"; }) +
           ", " +
           join_mapped(outputs, ", ",
                       [&](const std::string &s) { return "&" + out_prefix + s + ".buffer"; }) +
           ")";
  };
  std::ostringstream os;
  os << "// Example for the worldtune kernel `" << name << "` (" << workload_key << "):\n"
     << "// runs it and the naive schedule `" << name << "_reference` on the same inputs and\n"
     << "// compares their outputs. Build with build.sh.\n"
     << "#include <HalideRuntime.h>\n\n"
     << "#include <algorithm>\n#include <chrono>\n#include <cmath>\n#include <cstdint>\n"
     << "#include <cstdio>\n#include <cstdlib>\n#include <vector>\n\n"
     << "#include \"" << name << ".h\"\n#include \"" << name << "_reference.h\"\n\n"
     << kHelpers << "int main() {\n";
  std::vector<int> ids = dag.placeholders();
  for (size_t i = 0; i < ids.size(); ++i)
    os << "  Tensor " << inputs[i] << "(" << shape_of(dag.op(ids[i])) << ");\n"
       << "  " << inputs[i] << ".fill(" << i + 1 << ");\n";
  ids = dag.outputs();
  for (size_t i = 0; i < ids.size(); ++i)
    os << "  Tensor out_" << outputs[i] << "(" << shape_of(dag.op(ids[i])) << "), ref_"
       << outputs[i] << "(" << shape_of(dag.op(ids[i])) << ");\n";
  os << "  if (int err = " << call(name + "_reference", "ref_") << ") {\n"
     << "    std::printf(\"" << name << "_reference failed: %d\\n\", err);\n    return 2;\n  }\n"
     << "  // The first run checks; the others time (for at least 0.2 s).\n"
     << "  int runs = 0;\n  double seconds = 0;\n"
     << "  while (runs < 2 || seconds < 0.2) {\n"
     << "    auto start = std::chrono::steady_clock::now();\n"
     << "    if (int err = " << call(name, "out_") << ") {\n"
     << "      std::printf(\"" << name << " failed: %d\\n\", err);\n      return 2;\n    }\n"
     << "    if (runs++ > 0)\n"
     << "      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - "
        "start).count();\n"
     << "  }\n"
     << "  std::printf(\"" << name
     << ": %.4f ms per run (%d runs)\\n\", seconds * 1e3 / (runs - 1), "
        "runs - 1);\n"
     << "  bool ok = true;\n";
  for (const std::string &o : outputs)
    os << "  ok = matches(\"" << o << "\", out_" << o << ", ref_" << o << ") && ok;\n";
  os << "  std::printf(\"%s\\n\", ok ? \"OK\" : \"MISMATCH\");\n  return ok ? 0 : 1;\n}\n";
  return os.str();
}

std::vector<std::string> example_identifiers(const ir::ComputeDAG &dag) {
  // Declared by the example (kHelpers, main's locals) or called from the global namespace by it;
  // HalideRuntime is the header copied next to the kernel's.
  std::vector<std::string> ids = {"main",    "Tensor",   "matches",      "runs",          "seconds",
                                  "ok",      "err",      "start",        "std",           "printf",
                                  "free",    "fabs",     "size_t",       "aligned_alloc", "uint8_t",
                                  "int32_t", "uint32_t", "HalideRuntime"};
  TensorNames n = tensor_names(dag);
  ids.insert(ids.end(), n.inputs.begin(), n.inputs.end());
  for (const std::string &o : n.outputs) {
    ids.push_back("out_" + o);
    ids.push_back("ref_" + o);
  }
  return ids;
}

std::string example_build_script(const std::string &name) {
  std::ostringstream os;
  os << "#!/bin/sh\n"
     << "# Builds " << name << "_example: the exported kernel (" << name
     << ".a, with the Halide runtime) and the\n"
     << "# naive reference (" << name << "_reference.a, without) linked into one program.\n"
     << "set -e\n"
     << "cd \"$(dirname \"$0\")\"\n"
     << "${CXX:-c++} -std=c++17 -O2 -I. " << name << "_example.cpp " << name << ".a " << name
     << "_reference.a -o " << name << "_example -lpthread -ldl\n"
     << "echo \"built $(pwd)/" << name << "_example\"\n";
  return os.str();
}

}  // namespace worldtune::deploy
