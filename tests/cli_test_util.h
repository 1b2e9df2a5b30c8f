/// \file Running commands and the worldtune binary (WORLDTUNE_BIN, defined by CMake) from tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace worldtune::testing {

struct CliRun {
  int exit_code;
  std::string out;  // stdout and stderr
};

/// Runs a shell command line, capturing stdout and stderr together.
inline CliRun run_command(const std::string &cmd) {
  FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WEXITSTATUS(status), out};
}

#ifdef WORLDTUNE_BIN
inline CliRun run_cli(const std::string &args) {
  return run_command(std::string(WORLDTUNE_BIN) + " " + args);
}
#endif

}  // namespace worldtune::testing
