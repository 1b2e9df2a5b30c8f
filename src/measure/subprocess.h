/// \file Process isolation for measurement, parent side: each build or run is a request to a
/// fresh worker process (a separate executable, fork + exec), so a crash, abort, hang or memory
/// blow-up of generated code or of the compiler becomes data instead of taking the tuner down,
/// and no worker inherits the tuner's threads, locks or buffered output.
///
/// Guarantees: at most n_parallel workers at once, each killed with everything it started after
/// its timeout; each under an address-space cap; each its own process group, killed with its
/// group when the tuner dies for any reason (PR_SET_PDEATHSIG, see worker_process.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace worldtune::measure {

/// The two worker executables: builds need Halide (and LLVM, 0.2 s to load), runs must start fast.
enum class WorkerKind { Build, Run };

struct WorkerJob {
  WorkerKind worker = WorkerKind::Build;
  std::string command;  ///< what the worker does ("build", "run", ...: worker_process.h)
  std::string request;  ///< its JSON request, sent on the worker's stdin
};

struct ChildResult {
  bool timed_out = false;
  bool out_of_memory = false;  ///< the worker ran out of its memory cap
  int signal = 0;              ///< nonzero when the worker was killed by a signal (not by us)
  int exit_code = 0;
  std::string output;  ///< the worker's answer
  std::string log;     ///< the end of the worker's stdout and stderr (why it died)
  double seconds = 0;
  int64_t memory_cap = 0;  ///< bytes
};

/// Runs each job in its own worker process, at most n_parallel at a time, each with timeout_s
/// and an address-space cap of `memory_cap` bytes (0: default_memory_cap(n_parallel)).
std::vector<ChildResult> run_workers(const std::vector<WorkerJob> &jobs, int n_parallel,
                                     double timeout_s, int64_t memory_cap);

/// 90% of physical memory shared by `concurrent` workers: workers at the cap together never push
/// the machine into the OOM killer.
int64_t default_memory_cap(int concurrent);

/// A human-readable description of how a worker ended ("killed by signal 11 (Segmentation
/// fault)", "ran out of its memory cap of 2.0 GiB", ...), with the end of its log.
std::string describe_exit(const ChildResult &r);

/// Where a worker executable is: $WORLDTUNE_WORKER_DIR, else beside the running executable, else
/// the build tree. Throws UserError(Io) naming the places tried when it is nowhere.
std::string worker_executable(WorkerKind kind);

}  // namespace worldtune::measure
