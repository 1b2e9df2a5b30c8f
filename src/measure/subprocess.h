/// \file Process isolation for measurement: run a function in a forked child with a deadline and
/// collect what it returns, so that a crash, abort or hang of generated code or of the compiler
/// becomes data instead of taking the tuner down.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace worldtune::measure {

struct ChildResult {
  bool timed_out = false;
  int signal = 0;  ///< nonzero when the child was killed by a signal (not by us)
  int exit_code = 0;
  std::string output;  ///< what the child's function returned
  double seconds = 0;
};

using ChildJob = std::function<std::string()>;

/// Runs each job in its own child process, at most n_parallel at a time, each with timeout_s.
/// The child is its own process group, so anything it started dies with it on timeout.
std::vector<ChildResult> run_isolated(const std::vector<ChildJob> &jobs, int n_parallel,
                                      double timeout_s);

/// A human-readable description of how a child ended ("killed by signal 11 (Segmentation
/// fault)", "exited with code 3", ...).
std::string describe_exit(const ChildResult &r);

}  // namespace worldtune::measure
