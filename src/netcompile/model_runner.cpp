/// \file Running a compiled network's example program.
#include "netcompile/model_runner.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "net/reference.h"
#include "netcompile/network_compiler.h"
#include "support/settings_file.h"
#include "support/shell_command.h"
#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::netcompile {

namespace {

namespace fs = std::filesystem;

/// The manifest of the one network compiled into dir.
nlohmann::json find_manifest(const std::string &dir) {
  std::error_code ec;
  WT_USER_CHECK(fs::is_directory(dir, ec), Io, "--dir '" << dir << "' is not a folder");
  std::vector<nlohmann::json> found;
  for (const fs::directory_entry &e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object() && j.value("format", "") == kManifestFormat) found.push_back(j);
  }
  WT_USER_CHECK(found.size() == 1, Io,
                "--dir '" << dir << "' holds " << found.size()
                          << " compiled networks (manifests of format " << kManifestFormat
                          << "): compile one there with worldtune compile --out " << dir);
  return found[0];
}

/// Runs `cmd`, returning its exit status and what it printed.
std::pair<int, std::string> capture(const std::string &cmd) {
  FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
  WT_USER_CHECK(p != nullptr, Io, "cannot run " << cmd);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

}  // namespace

RunModelResult run_model(const RunModelOptions &o) {
  const nlohmann::json m = find_manifest(o.dir);
  RunModelResult r;
  r.name = m.at("name").get<std::string>();
  const std::string base = o.dir + "/" + r.name;
  std::string input = base + "_input.bin", expected = base + "_expected.bin";
  if (!o.io.empty()) {
    const net::IoExample io = net::read_io_example(o.io);
    WT_USER_CHECK(io.input.shape == m.at("input_shape").get<std::vector<int64_t>>() &&
                      io.output.shape == m.at("output_shape").get<std::vector<int64_t>>(),
                  BadArgument,
                  o.io << ": its shapes are not those of the network compiled in " << o.dir);
    input = o.dir + "/obj/run_input.bin";
    expected = o.dir + "/obj/run_expected.bin";
    write_floats(input, io.input.data);
    write_floats(expected, io.output.data);
  }
  const std::string example = base + "_example";
  std::error_code ec;
  if (!fs::exists(example, ec) ||
      fs::last_write_time(example, ec) < fs::last_write_time(o.dir + "/lib" + r.name + ".a", ec)) {
    const std::string err =
        run_shell_command("sh " + shell_quote(o.dir + "/build.sh"), o.dir + "/obj/build.log",
                          "building the example program");
    WT_USER_CHECK(err.empty(), Io, err);
  }
  std::tie(r.exit_code, r.output) = capture(
      shell_quote(example) + " " + shell_quote(base + ".weights") + " " + shell_quote(input) + " " +
      shell_quote(expected) + " " + std::to_string(o.runs) + " " + std::to_string(o.threads));
  return r;
}

}  // namespace worldtune::netcompile
