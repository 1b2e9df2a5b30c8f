/// \file Running a compiler or archiver command line through the shell, its output kept only
/// when it fails.
#pragma once

#include <string>

namespace worldtune {

/// Runs `cmd` with its output in `log` (removed afterwards); "" on success, else
/// "<what> failed (<cmd>): <output>".
std::string run_shell_command(const std::string &cmd, const std::string &log,
                              const std::string &what);

}  // namespace worldtune
