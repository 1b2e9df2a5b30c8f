/// \file Compiling a network: tasks and their schedules, kernels, weights, executor, library.
#include "netcompile/network_compiler.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "deploy/best_records.h"
#include "deploy/exporter.h"
#include "halide/halide_backend.h"
#include "ir/workload.h"
#include "net/reference.h"
#include "netcompile/executor_source.h"
#include "onnx_import/onnx_import.h"
#include "partition/partitioner.h"
#include "support/machine.h"
#include "support/shell_command.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::netcompile {

namespace {

namespace fs = std::filesystem;

void write_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  WT_USER_CHECK(out.good(), Io, "cannot write '" << path << "'");
}

/// The C prefix: --name, or the model file's stem made an identifier.
std::string name_of(const CompileNetworkOptions &o) {
  std::string name = o.name;
  if (name.empty()) {
    name = schedule::sanitize_identifier(fs::path(o.model).stem().string());
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "net_" + name;
  }
  const std::string problem = deploy::c_name_problem(name);
  WT_USER_CHECK(problem.empty(), BadArgument,
                "--name '" << quote_cut(name) << "' cannot name the network: " << problem);
  return name;
}

/// Each task's best record, refusing records of another model or target.
std::map<std::string, deploy::WorkloadRecords> records_of(const CompileNetworkOptions &o,
                                                          const partition::TaskGraph &g,
                                                          const std::string &target) {
  std::map<std::string, deploy::WorkloadRecords> all;
  for (deploy::WorkloadRecords &w : deploy::summarize_records(read_records(o.records)))
    all[w.workload] = std::move(w);
  std::map<std::string, deploy::WorkloadRecords> mine;
  for (const partition::Task &t : g.tasks) {
    auto it = all.find(t.workload_key);
    if (it == all.end() || !it->second.best) continue;
    const MeasureRecord &best = *it->second.best;
    WT_USER_CHECK(best.target == target, BadTarget,
                  "the best record of task "
                      << t.workload_key << " in '" << o.records << "' was measured for target '"
                      << best.target << "', not for '" << target
                      << "': compile on such a machine or pass --target " << best.target);
    mine[t.workload_key] = it->second;
  }
  WT_USER_CHECK(!mine.empty(), BadRecord,
                "'" << o.records << "' holds no successful record of any of the " << g.tasks.size()
                    << " tasks of " << o.model
                    << ": records of another model? Tune it with worldtune tune --model "
                    << o.model);
  return mine;
}

/// Compiles task `t` into `object` as `fn`: its best schedule, else Halide's Mullapudi2016
/// autoscheduler, else the naive schedule.
CompiledTask compile_task(const partition::Task &t, const deploy::WorkloadRecords *records,
                          const std::string &object, const std::string &fn,
                          const std::string &target) {
  CompiledTask c{t.workload_key, t.weight, false, 0, 0, 0, ""};
  if (records) {
    c.tuned = true;
    c.best_cost = records->best->result.mean_cost();
    c.best_trial = records->best_trial;
    c.trials = records->trials;
    const auto out = halide_backend::compile_to_object(deploy::record_program(*records->best),
                                                       object, fn, target);
    WT_USER_CHECK(out.failed == halide_backend::FailedPhase::None, BadSchedule,
                  "cannot compile the best schedule of " << t.workload_key << ": " << out.message);
    c.schedule =
        format("tuned: %.4f ms, trial %d of %d", c.best_cost * 1e3, c.best_trial, c.trials);
    return c;
  }
  const schedule::HalideProgram naive =
      schedule::naive_halide_program(ir::parse_workload(t.workload_key).dag);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto out = halide_backend::compile_autoscheduled_object(
      naive, halide_backend::Autoscheduler::Mullapudi2016, cores, object, fn, target);
  c.schedule = "not tuned: Halide's Mullapudi2016 autoscheduler";
  if (out.failed != halide_backend::FailedPhase::None) {
    out = halide_backend::compile_to_object(naive, object, fn, target);
    c.schedule = "not tuned: naive schedule (the autoscheduler failed)";
  }
  WT_USER_CHECK(out.failed == halide_backend::FailedPhase::None, BadSchedule,
                "cannot compile " << t.workload_key << ": " << out.message);
  return c;
}

/// Writes the weights file of the plan and returns the digest of its data.
uint64_t write_weights(const std::string &path, const partition::TaskGraph &g,
                       const MemoryPlan &plan) {
  std::vector<float> data(static_cast<size_t>(plan.weight_elements), 0.0f);
  for (size_t b = 0; b < g.buffers.size(); ++b)
    if (plan.buffers[b].place == Place::Constant)
      std::copy(g.buffers[b].data.begin(), g.buffers[b].data.end(),
                data.begin() + plan.buffers[b].offset);
  const uint64_t count = data.size(), digest = fnv1a(data.data(), data.size() * sizeof(float));
  std::ofstream out(path, std::ios::binary);
  out << kWeightsMagic;
  out.write(reinterpret_cast<const char *>(&count), sizeof count);
  out.write(reinterpret_cast<const char *>(data.data()),
            static_cast<std::streamsize>(data.size() * sizeof(float)));
  out.write(reinterpret_cast<const char *>(&digest), sizeof digest);
  out.close();
  WT_USER_CHECK(out.good(), Io, "cannot write '" << path << "'");
  return digest;
}

/// The example's input and expected output: the io file's, or a fixed input and the graph's
/// reference evaluation of it.
std::pair<net::HostTensor, net::HostTensor> example_io(const CompileNetworkOptions &o,
                                                       const net::Graph &graph) {
  WT_USER_CHECK(graph.inputs.size() == 1 && graph.outputs.size() == 1, BadNetwork,
                o.model << ": the example program takes networks of one input and one output");
  if (!o.io.empty()) {
    net::IoExample io = net::read_io_example(o.io);
    WT_USER_CHECK(io.input.shape == graph.value(graph.inputs[0]).shape &&
                      io.output.shape == graph.value(graph.outputs[0]).shape,
                  BadArgument, o.io << ": its shapes are not the network's");
    return {io.input, io.output};
  }
  net::HostTensor in{graph.value(graph.inputs[0]).shape, {}};
  for (int64_t i = 0; i < graph.value(graph.inputs[0]).elements(); ++i)
    in.data.push_back(static_cast<float>(std::sin(0.37 * static_cast<double>(i))));
  return {in, net::run_reference(graph, {in})[0]};
}

/// Compiles the executor and links everything into lib<name>.a and lib<name>.so.
void link_library(const std::string &dir, const std::string &name,
                  const std::vector<std::string> &objects) {
  const std::string inc = shell_quote(halide_backend::runtime_include_dir());
  const std::string executor = shell_quote(dir + "/obj/" + name + "_executor.o");
  std::string err =
      run_shell_command("cc -std=c11 -O2 -fPIC -I" + shell_quote(dir) + " -I" + inc + " -c " +
                            shell_quote(dir + "/" + name + "_executor.c") + " -o " + executor,
                        dir + "/obj/cc.log", "compiling the executor");
  std::string objs = executor;
  for (const std::string &o : objects) objs += " " + shell_quote(o);
  const std::string lib = shell_quote(dir + "/lib" + name + ".a");
  if (err.empty())
    err = run_shell_command("rm -f " + lib + " && ar rcs " + lib + " " + objs, dir + "/obj/ar.log",
                            "archiving");
  if (err.empty())
    err = run_shell_command("cc -shared -o " + shell_quote(dir + "/lib" + name + ".so") + " " +
                                objs + " -lpthread -ldl -lm",
                            dir + "/obj/ld.log", "linking");
  WT_USER_CHECK(err.empty(), Io, err);
}

std::string build_script(const std::string &name) {
  return "#!/bin/sh\n# Builds " + name + "_example: the network's library (lib" + name +
         ".a) and its C API (" + name + ".h), checked on " + name + "_input.bin against " + name +
         "_expected.bin.\nset -e\ncd \"$(dirname \"$0\")\"\n${CC:-cc} -std=c11 -O2 -I. " + name +
         "_example.c lib" + name + ".a -o " + name +
         "_example -lpthread -ldl -lm\necho \"built $(pwd)/" + name +
         "_example: run it (or "
         "worldtune run-model --dir $(pwd))\"\n";
}

nlohmann::json manifest(const CompileNetworkOptions &o, const std::string &name,
                        const std::string &target, const CompiledNetwork &c,
                        const partition::TaskGraph &g) {
  nlohmann::json tasks = nlohmann::json::array();
  for (const CompiledTask &t : c.tasks)
    tasks.push_back({{"workload", t.workload},
                     {"weight", t.weight},
                     {"tuned", t.tuned},
                     {"best_ms", t.best_cost * 1e3},
                     {"schedule", t.schedule}});
  return {{"format", kManifestFormat},
          {"name", name},
          {"model", o.model},
          {"batch", o.batch},
          {"records", o.records},
          {"target", target},
          {"machine", machine_json(host_machine(), target)},
          {"tolerance", kOutputTolerance},
          {"input_shape", g.buffers[static_cast<size_t>(g.inputs[0])].shape},
          {"output_shape", g.output_shapes[0]},
          {"calls", g.calls.size()},
          {"arena_bytes", c.plan.arena_elements * 4},
          {"unshared_bytes", c.plan.unshared_elements * 4},
          {"weight_bytes", c.plan.weight_elements * 4},
          {"tasks", tasks}};
}

}  // namespace

void write_floats(const std::string &path, const std::vector<float> &v) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(v.data()), static_cast<std::streamsize>(v.size() * 4));
  out.close();
  WT_USER_CHECK(out.good(), Io, "cannot write '" << path << "'");
}

CompiledNetwork compile_network(const CompileNetworkOptions &o) {
  CompiledNetwork c;
  c.name = name_of(o);
  deploy::check_out_folder(o.out_dir, o.force);
  const std::string target = halide_backend::canonical_target_string(o.target);
  const net::Graph graph = onnx_import::import_onnx(o.model, {o.batch});
  const partition::TaskGraph g = partition::partition(graph);
  const auto records = records_of(o, g, target);
  const auto [input, expected] = example_io(o, graph);
  std::error_code ec;
  fs::create_directories(o.out_dir + "/obj", ec);
  WT_USER_CHECK(!ec, Io, "cannot create '" << o.out_dir << "/obj': " << ec.message());
  const std::string dir = o.out_dir, &name = c.name;
  ExecutorSpec spec{name, o.model, {}, 0};
  std::vector<std::string> objects;
  for (size_t t = 0; t < g.tasks.size(); ++t) {
    spec.kernels.push_back(name + "_k" + std::to_string(t));
    objects.push_back(dir + "/obj/" + spec.kernels.back() + ".o");
    auto it = records.find(g.tasks[t].workload_key);
    c.tasks.push_back(compile_task(g.tasks[t], it == records.end() ? nullptr : &it->second,
                                   objects.back(), spec.kernels.back(), target));
    if (c.tasks.back().tuned) c.tuned_estimate += c.tasks.back().weight * c.tasks.back().best_cost;
  }
  objects.push_back(dir + "/obj/halide_runtime.o");
  halide_backend::compile_runtime_object(objects.back(), target);
  c.plan = plan_memory(g);
  c.calls = static_cast<int>(g.calls.size());
  spec.weights_digest = write_weights(dir + "/" + name + ".weights", g, c.plan);
  write_file(dir + "/" + name + ".h", executor_header(spec, g));
  write_file(dir + "/" + name + "_executor.c", executor_source(spec, g, c.plan));
  fs::copy_file(halide_backend::runtime_include_dir() + "/HalideRuntime.h",
                dir + "/HalideRuntime.h", fs::copy_options::overwrite_existing, ec);
  WT_USER_CHECK(!ec, Io, "cannot copy HalideRuntime.h into '" << dir << "': " << ec.message());
  link_library(dir, name, objects);
  write_floats(dir + "/" + name + "_input.bin", input.data);
  write_floats(dir + "/" + name + "_expected.bin", expected.data);
  write_file(dir + "/" + name + "_example.c", example_source(spec, kOutputTolerance));
  write_file(dir + "/build.sh", build_script(name));
  fs::permissions(dir + "/build.sh", fs::perms::owner_exec, fs::perm_options::add, ec);
  write_file(dir + "/" + name + ".json", manifest(o, name, target, c, g).dump(2) + "\n");
  for (const std::string &f :
       {"lib" + name + ".a", "lib" + name + ".so", name + ".h", name + ".weights",
        name + "_executor.c", name + "_example.c", name + ".json", std::string("build.sh")})
    c.files.push_back(dir + "/" + f);
  return c;
}

}  // namespace worldtune::netcompile
