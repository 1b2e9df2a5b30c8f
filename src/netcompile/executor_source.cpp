/// \file Generating the executor, its header and the example program.
#include "netcompile/executor_source.h"

#include <functional>
#include <sstream>

#include "ir/workload.h"
#include "support/strings.h"

namespace worldtune::netcompile {

namespace {

template <typename T, typename Fn>
std::string c_array(const std::string &decl, const std::vector<T> &v, Fn fn) {
  std::ostringstream os;
  os << "static const " << decl << "[" << std::max<size_t>(v.size(), 1) << "] = {";
  for (size_t i = 0; i < v.size(); ++i) os << (i % 16 == 0 ? "\n    " : " ") << fn(v[i]) << ",";
  if (v.empty()) os << "0";
  os << "};\n";
  return os.str();
}

template <typename T>
std::string c_array(const std::string &decl, const std::vector<T> &v) {
  return c_array(decl, v, [](const T &x) { return std::to_string(x); });
}

/// One kernel argument: the buffer it reads or writes and its shape as the kernel declares it.
struct Arg {
  int buffer;
  std::vector<int64_t> shape;
};

std::vector<std::vector<Arg>> call_args(const partition::TaskGraph &g) {
  std::vector<std::vector<Arg>> out;
  for (const partition::Call &c : g.calls) {
    const auto dag = ir::parse_workload(c.workload_key).dag;
    std::vector<Arg> args;
    const std::vector<int> holders = dag->placeholders();
    for (size_t i = 0; i < holders.size(); ++i)
      args.push_back({c.inputs[i], dag->op(holders[i]).shape()});
    args.push_back({c.output, dag->op(dag->outputs()[0]).shape()});
    out.push_back(std::move(args));
  }
  return out;
}

/// The tables of the network's inputs or outputs: buffer, rank and shape.
std::string io_tables(const std::string &what, const partition::TaskGraph &g,
                      const std::vector<int> &buffers) {
  std::vector<int64_t> ranks, shapes;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const std::vector<int64_t> &s =
        what == "Output" ? g.output_shapes[i] : g.buffers[static_cast<size_t>(buffers[i])].shape;
    ranks.push_back(static_cast<int64_t>(s.size()));
    for (size_t d = 0; d < 8; ++d) shapes.push_back(d < s.size() ? s[d] : 0);
  }
  return c_array("int k" + what + "Buffer", buffers) + c_array("int k" + what + "Rank", ranks) +
         c_array("int64_t k" + what + "Shape", shapes);
}

std::string tables(const ExecutorSpec &spec, const partition::TaskGraph &g,
                   const MemoryPlan &plan) {
  std::vector<int> place, call_task, first_arg = {0}, arg_buffer, arg_rank, arg_first_dim;
  std::vector<int64_t> offset, elements, extent, stride;
  for (size_t b = 0; b < g.buffers.size(); ++b) {
    place.push_back(static_cast<int>(plan.buffers[b].place));
    offset.push_back(plan.buffers[b].offset);
    elements.push_back(g.buffers[b].elements());
  }
  std::map<std::string, int> task_of;
  for (size_t t = 0; t < g.tasks.size(); ++t)
    task_of[g.tasks[t].workload_key] = static_cast<int>(t);
  const std::vector<std::vector<Arg>> args = call_args(g);
  for (size_t c = 0; c < g.calls.size(); ++c) {
    call_task.push_back(task_of.at(g.calls[c].workload_key));
    for (const Arg &a : args[c]) {
      arg_buffer.push_back(a.buffer);
      arg_rank.push_back(static_cast<int>(a.shape.size()));
      arg_first_dim.push_back(static_cast<int>(extent.size()));
      int64_t s = 1;
      for (size_t d = a.shape.size(); d-- > 0;) {  // Halide's dimension 0 is the innermost
        extent.push_back(a.shape[d]);
        stride.push_back(s);
        s *= a.shape[d];
      }
    }
    first_arg.push_back(static_cast<int>(arg_buffer.size()));
  }
  std::ostringstream os;
  os << "#define NUM_BUFFERS " << g.buffers.size() << "\n#define NUM_CALLS " << g.calls.size()
     << "\n#define NUM_ARGS " << arg_buffer.size() << "\n#define NUM_DIMS " << extent.size()
     << "\n#define NUM_INPUTS " << g.inputs.size() << "\n#define NUM_OUTPUTS " << g.outputs.size()
     << "\n#define ARENA_ELEMENTS " << plan.arena_elements << "LL\n#define WEIGHT_ELEMENTS "
     << plan.weight_elements << "ULL\n#define WEIGHTS_DIGEST " << spec.weights_digest << "ULL\n\n";
  os << c_array("int kPlace", place) << c_array("int64_t kOffset", offset)
     << c_array("int64_t kElements", elements) << c_array("int kCallTask", call_task)
     << c_array("int kCallFirstArg", first_arg) << c_array("int kArgBuffer", arg_buffer)
     << c_array("int kArgRank", arg_rank) << c_array("int kArgFirstDim", arg_first_dim)
     << c_array("int32_t kDimExtent", extent) << c_array("int32_t kDimStride", stride)
     << io_tables("Input", g, g.inputs) << io_tables("Output", g, g.outputs);
  for (const std::string &k : spec.kernels) os << "int " << k << "_argv(void **args);\n";
  os << c_array("kernel_fn kKernels", spec.kernels,
                [](const std::string &k) { return k + "_argv"; });
  return os.str();
}

/// Replaces every "NAME" of a template with the API prefix.
std::string named(std::string text, const std::string &name) {
  for (size_t at = text.find("NAME"); at != std::string::npos; at = text.find("NAME", at))
    text.replace(at, 4, name), at += name.size();
  return text;
}

const char *kRuntime = R"(
enum { kInput = 0, kConstant = 1, kArena = 2, kOutput = 3 };

struct NAME_model {
  float *arena, *weights, *inputs[NUM_INPUTS], *outputs[NUM_OUTPUTS];
  halide_buffer_t bufs[NUM_ARGS];
  halide_dimension_t dims[NUM_DIMS];
  void *args[NUM_ARGS];
};

static uint64_t fnv1a(const unsigned char *p, size_t n) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

static float *floats(int64_t n) {
  size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(float) + 63) / 64 * 64;
  float *p = (float *)aligned_alloc(64, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

static int64_t count_of(const int64_t *shape, int rank) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= shape[d];
  return n;
}

void NAME_free(NAME_model *m) {
  if (!m) return;
  free(m->arena);
  free(m->weights);
  for (int i = 0; i < NUM_INPUTS; ++i) free(m->inputs[i]);
  for (int i = 0; i < NUM_OUTPUTS; ++i) free(m->outputs[i]);
  free(m);
}

/* Reads and checks the weights; "" on success, else why not (into err). */
static int read_weights(NAME_model *m, const char *path, char *err, size_t err_size) {
  static const char magic[] = MAGIC;
  char head[sizeof magic];
  uint64_t count = 0, digest = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return snprintf(err, err_size, "cannot open the weights file '%s'", path), 1;
  int bad = fread(head, 1, sizeof magic - 1, f) != sizeof magic - 1 ||
            memcmp(head, magic, sizeof magic - 1) != 0;
  if (bad) snprintf(err, err_size, "'%s' is not a worldtune weights file", path);
  if (!bad && (fread(&count, sizeof count, 1, f) != 1 || count != WEIGHT_ELEMENTS)) {
    bad = 1;
    snprintf(err, err_size, "'%s' holds %llu weights, this network takes %llu: weights of "
             "another network", path, (unsigned long long)count, (unsigned long long)WEIGHT_ELEMENTS);
  }
  if (!bad && (fread(m->weights, sizeof(float), count, f) != count ||
               fread(&digest, sizeof digest, 1, f) != 1)) {
    bad = 1;
    snprintf(err, err_size, "'%s' is truncated", path);
  }
  if (!bad && (digest != fnv1a((const unsigned char *)m->weights, count * sizeof(float)) ||
               fgetc(f) != EOF)) {
    bad = 1;
    snprintf(err, err_size, "'%s' is corrupt: its digest does not match its data", path);
  }
  if (!bad && digest != WEIGHTS_DIGEST) {
    bad = 1;
    snprintf(err, err_size, "'%s' holds other weights than this library was compiled with", path);
  }
  fclose(f);
  return bad;
}

static float *host_of(NAME_model *m, int b) {
  switch (kPlace[b]) {
    case kInput: return m->inputs[kOffset[b]];
    case kConstant: return m->weights + kOffset[b];
    case kArena: return m->arena + kOffset[b];
    default: return m->outputs[kOffset[b]];
  }
}

NAME_model *NAME_load(const char *weights_path, char *err, size_t err_size) {
  NAME_model *m = (NAME_model *)calloc(1, sizeof(NAME_model));
  if (!m) return snprintf(err, err_size, "out of memory"), (NAME_model *)0;
  int ok = (m->arena = floats(ARENA_ELEMENTS)) && (m->weights = floats((int64_t)WEIGHT_ELEMENTS));
  for (int i = 0; i < NUM_INPUTS; ++i)
    ok = ok && (m->inputs[i] = floats(kElements[kInputBuffer[i]]));
  for (int i = 0; i < NUM_OUTPUTS; ++i)
    ok = ok && (m->outputs[i] = floats(kElements[kOutputBuffer[i]]));
  if (!ok) snprintf(err, err_size, "out of memory");
  if (!ok || read_weights(m, weights_path, err, err_size)) {
    NAME_free(m);
    return 0;
  }
  for (int a = 0; a < NUM_ARGS; ++a) {
    halide_buffer_t *b = &m->bufs[a];
    b->host = (uint8_t *)host_of(m, kArgBuffer[a]);
    b->type.code = halide_type_float;
    b->type.bits = 32;
    b->type.lanes = 1;
    b->dimensions = kArgRank[a];
    b->dim = &m->dims[kArgFirstDim[a]];
    for (int d = 0; d < kArgRank[a]; ++d) {
      b->dim[d].min = 0;
      b->dim[d].extent = kDimExtent[kArgFirstDim[a] + d];
      b->dim[d].stride = kDimStride[kArgFirstDim[a] + d];
      b->dim[d].flags = 0;
    }
    m->args[a] = b;
  }
  return m;
}

int NAME_num_inputs(void) { return NUM_INPUTS; }
int NAME_num_outputs(void) { return NUM_OUTPUTS; }

static int shape_of(int i, int n, const int *rank, const int64_t *shapes, int64_t *shape,
                    int max_rank) {
  if (i < 0 || i >= n) return -1;
  for (int d = 0; d < rank[i] && d < max_rank; ++d) shape[d] = shapes[i * 8 + d];
  return rank[i];
}

int NAME_input_shape(int i, int64_t *shape, int max_rank) {
  return shape_of(i, NUM_INPUTS, kInputRank, kInputShape, shape, max_rank);
}

int NAME_output_shape(int i, int64_t *shape, int max_rank) {
  return shape_of(i, NUM_OUTPUTS, kOutputRank, kOutputShape, shape, max_rank);
}

int NAME_set_input(NAME_model *m, int i, const float *data, size_t count) {
  if (i < 0 || i >= NUM_INPUTS || (int64_t)count != count_of(&kInputShape[i * 8], kInputRank[i]))
    return 1;
  memcpy(m->inputs[i], data, count * sizeof(float));
  return 0;
}

int NAME_get_output(const NAME_model *m, int i, float *data, size_t count) {
  if (i < 0 || i >= NUM_OUTPUTS || (int64_t)count != count_of(&kOutputShape[i * 8], kOutputRank[i]))
    return 1;
  memcpy(data, m->outputs[i], count * sizeof(float));
  return 0;
}

int NAME_run(NAME_model *m) {
  for (int c = 0; c < NUM_CALLS; ++c) {
    int rc = kKernels[kCallTask[c]](&m->args[kCallFirstArg[c]]);
    if (rc != 0) return rc;
  }
  return 0;
}

void NAME_set_num_threads(int n) { halide_set_num_threads(n); }
)";

}  // namespace

uint64_t fnv1a(const void *data, size_t n) {
  const auto *p = static_cast<const unsigned char *>(data);
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

std::string executor_header(const ExecutorSpec &spec, const partition::TaskGraph &g) {
  std::ostringstream os;
  os << "/* " << spec.name << ".h: the network " << spec.source
     << " compiled by worldtune: its C API.\n   " << g.tasks.size() << " kernels, "
     << g.calls.size() << " calls per run. */\n";
  os << named(R"(#ifndef NAME_H_
#define NAME_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NAME_model NAME_model;

/* Loads the weights file `worldtune compile` wrote (NAME.weights); NULL on failure, with the
   reason in err (a missing, truncated or corrupt file, or another network's weights). */
NAME_model *NAME_load(const char *weights_path, char *err, size_t err_size);
void NAME_free(NAME_model *m);

int NAME_num_inputs(void);
int NAME_num_outputs(void);
/* The rank of input (output) i, its extents in shape[0..max_rank) in the ONNX file's layout,
   row-major; -1 for no such input (output). */
int NAME_input_shape(int i, int64_t *shape, int max_rank);
int NAME_output_shape(int i, int64_t *shape, int max_rank);

/* Copies input i in (count: its number of elements); nonzero for a bad index or count. */
int NAME_set_input(NAME_model *m, int i, const float *data, size_t count);
/* Runs the network once; nonzero (a Halide error code) when a kernel fails. */
int NAME_run(NAME_model *m);
/* Copies output i out; nonzero for a bad index or count. */
int NAME_get_output(const NAME_model *m, int i, float *data, size_t count);

/* The threads of the Halide runtime's pool (for every model of the process). */
void NAME_set_num_threads(int n);

#ifdef __cplusplus
}
#endif

#endif
)",
              spec.name);
  return os.str();
}

std::string executor_source(const ExecutorSpec &spec, const partition::TaskGraph &g,
                            const MemoryPlan &plan) {
  std::ostringstream os;
  os << "/* The graph executor of " << spec.source << ", generated by worldtune compile:\n   "
     << g.calls.size() << " kernel calls over planned buffers (arena " << plan.arena_elements * 4
     << " bytes, unshared " << plan.unshared_elements * 4 << "; weights "
     << plan.weight_elements * 4 << " bytes). */\n"
     << "#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
     << "#include \"HalideRuntime.h\"\n#include \"" << spec.name << ".h\"\n\n"
     << "typedef int (*kernel_fn)(void **);\n#define MAGIC \""
     << "worldtune-weights-1\\n"
     << "\"\n\n"
     << tables(spec, g, plan) << named(kRuntime, spec.name);
  return os.str();
}

std::string example_source(const ExecutorSpec &spec, double tolerance) {
  std::ostringstream os;
  os << "/* Runs " << spec.source
     << " compiled by worldtune on NAME_input.bin and checks the output against "
        "NAME_expected.bin. */\n";
  os << "#define TOLERANCE " << tolerance << "\n";
  os << R"(#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "NAME.h"

static float *read_floats(const char *path, int64_t count) {
  float *p = (float *)malloc((size_t)count * sizeof(float));
  FILE *f = fopen(path, "rb");
  if (!p || !f || fread(p, sizeof(float), (size_t)count, f) != (size_t)count) {
    fprintf(stderr, "cannot read %lld floats from %s\n", (long long)count, path);
    exit(2);
  }
  fclose(f);
  return p;
}

static int64_t elements(int rank, const int64_t *shape) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) n *= shape[d];
  return n;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  char err[512];
  /* Arguments: weights file, input, expected output, runs, threads (0: the runtime's default). */
  const char *weights = argc > 1 ? argv[1] : "NAME.weights";
  const char *input = argc > 2 ? argv[2] : "NAME_input.bin";
  const char *expected = argc > 3 ? argv[3] : "NAME_expected.bin";
  const int runs = argc > 4 && atoi(argv[4]) > 0 ? atoi(argv[4]) : 10;
  const int threads = argc > 5 ? atoi(argv[5]) : 0;
  if (threads > 0) NAME_set_num_threads(threads);
  NAME_model *m = NAME_load(weights, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  int64_t in_shape[8], out_shape[8];
  const int64_t n_in = elements(NAME_input_shape(0, in_shape, 8), in_shape);
  const int64_t n_out = elements(NAME_output_shape(0, out_shape, 8), out_shape);
  float *in = read_floats(input, n_in), *want = read_floats(expected, n_out);
  float *got = (float *)malloc((size_t)n_out * sizeof(float));
  if (NAME_set_input(m, 0, in, (size_t)n_in) != 0 || NAME_run(m) != 0) return 2;
  double *times = (double *)malloc((size_t)runs * sizeof(double));
  for (int r = 0; r < runs; ++r) {
    double t0 = now();
    if (NAME_run(m) != 0) return 2;
    times[r] = now() - t0;
  }
  qsort(times, (size_t)runs, sizeof times[0], compare_double);
  NAME_get_output(m, 0, got, (size_t)n_out);
  double worst = 0, scale = 0;
  for (int64_t i = 0; i < n_out; ++i) {
    worst = fmax(worst, fabs((double)got[i] - want[i]));
    scale = fmax(scale, fabs((double)want[i]));
  }
  const int ok = worst <= TOLERANCE * (scale > 0 ? scale : 1);
  printf("NAME: %.3f ms median, %.3f ms min of %d runs (%s threads); max abs difference %.3g, "
         "largest |output| %.3g, tolerance %g of it: %s\n",
         times[runs / 2] * 1e3, times[0] * 1e3, runs, argc > 5 && threads > 0 ? argv[5] : "default",
         worst, scale, TOLERANCE, ok ? "ok" : "MISMATCH");
  NAME_free(m);
  return ok ? 0 : 1;
}
)";
  return named(os.str(), spec.name);
}

}  // namespace worldtune::netcompile
