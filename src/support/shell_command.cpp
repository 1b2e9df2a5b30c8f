/// \file Shell commands.
#include "support/shell_command.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "support/strings.h"

namespace worldtune {

std::string run_shell_command(const std::string &cmd, const std::string &log,
                              const std::string &what) {
  int rc = std::system((cmd + " > " + shell_quote(log) + " 2>&1").c_str());
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::unlink(log.c_str());
  if (rc == 0) return "";
  return what + " failed (" + cmd + "): " + output;
}

}  // namespace worldtune
