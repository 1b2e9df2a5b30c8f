/// \file The worker executables' main loop: one request in, one answer out.
#include "measure/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <new>

namespace worldtune::measure {

namespace {

/// The tuner died (or someone asked us to stop): take the whole group down, compilers included.
void on_terminate(int) {
  ::kill(0, SIGKILL);
  ::_exit(1);
}

std::string read_stdin() {
  std::string in;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(0, buf, sizeof(buf));
    if (n > 0) {
      in.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return in;
    }
  }
}

void write_answer(const std::string &s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(kWorkerAnswerFd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

int worker_main(int argc, char **argv, const std::vector<WorkerCommand> &commands) {
  ::signal(SIGTERM, on_terminate);
  // Line by line: what a candidate prints before it crashes still reaches the tuner's log.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Compilers the worker starts must not hold the answer open: its end of file means "done".
  if (argc < 2 || ::fcntl(kWorkerAnswerFd, F_SETFD, FD_CLOEXEC) != 0) {
    std::fprintf(stderr, "%s: a measurement worker of worldtune; worldtune starts it itself\n",
                 argv[0]);
    return kWorkerExitUsage;
  }
  const WorkerCommand *command = nullptr;
  for (const WorkerCommand &c : commands)
    if (std::strcmp(c.name, argv[1]) == 0) command = &c;
  if (!command) {
    write_answer(std::string("unknown worker command '") + argv[1] + "'");
    return kWorkerExitUsage;
  }
  int code = 0;
  std::string answer;
  try {
    answer = command->handler(nlohmann::json::parse(read_stdin()));
  } catch (const std::bad_alloc &) {
    answer = "out of memory";
    code = kWorkerExitOutOfMemory;
  } catch (const std::exception &e) {
    answer = std::string("uncaught exception: ") + e.what();
    code = kWorkerExitException;
  }
  write_answer(answer);
  std::fflush(stdout);
  std::fflush(stderr);
  // No static destructors (Halide's, LLVM's): the answer is out, nothing may hang or crash now.
  ::_exit(code);
}

}  // namespace worldtune::measure
