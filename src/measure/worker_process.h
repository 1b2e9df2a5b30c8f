/// \file Measurement workers, worker side: the main function shared by the worker executables
/// (worldtune-build-worker, worldtune-run-worker). A worker is started by subprocess.cpp as
/// `WORKER COMMAND --parent=PID`, reads one JSON request on stdin, writes its answer on
/// kWorkerAnswerFd and exits. Its stdout and stderr are the tuner's error log for it.
///
/// It is its own process group and is sent SIGTERM when the tuner dies (PR_SET_PDEATHSIG): it then
/// kills its whole group (a compiler it started included), so nothing outlives the tuner.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace worldtune::measure {

inline constexpr int kWorkerAnswerFd = 3;
inline constexpr int kWorkerExitUsage = 2;
inline constexpr int kWorkerExitException = 3;  ///< an uncaught exception, message in the answer
inline constexpr int kWorkerExitOutOfMemory = 4;
/// The worker executable could not be executed: a broken installation, not a candidate's fault.
inline constexpr int kWorkerExitExecFailed = 125;

/// Handles one request; returns the answer. May throw (the answer then says what).
using WorkerHandler = std::string (*)(const nlohmann::json &request);

struct WorkerCommand {
  const char *name;
  WorkerHandler handler;
};

/// The main function of a worker executable that serves `commands`.
int worker_main(int argc, char **argv, const std::vector<WorkerCommand> &commands);

}  // namespace worldtune::measure
