/// \file fork/poll/kill based child processes.
#include "measure/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <exception>

namespace worldtune::measure {

namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  size_t job = 0;
  pid_t pid = -1;
  int fd = -1;
  Clock::time_point start;
  std::string output;
  bool eof = false;
};

void write_all(int fd, const std::string &s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    off += static_cast<size_t>(n);
  }
}

/// Starts a child; on failure (no file descriptors or processes left) r.pid stays -1 and
/// r.output says why.
Running spawn(const ChildJob &job, size_t index) {
  Running r;
  r.job = index;
  r.start = Clock::now();
  int fds[2];
  if (::pipe(fds) != 0) {
    r.output = std::string("cannot create a pipe: ") + std::strerror(errno);
    return r;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    r.output = std::string("cannot fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(fds[0]);
    int code = 0;
    std::string out;
    try {
      out = job();
    } catch (const std::exception &e) {
      out = std::string("uncaught exception: ") + e.what();
      code = 3;
    } catch (...) {
      out = "uncaught exception";
      code = 3;
    }
    write_all(fds[1], out);
    ::close(fds[1]);
    ::_exit(code);
  }
  ::setpgid(pid, pid);
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  r.pid = pid;
  r.fd = fds[0];
  return r;
}

void drain(Running &r) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(r.fd, buf, sizeof(buf));
    if (n > 0) {
      r.output.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) r.eof = true;
    return;  // EAGAIN, EINTR or EOF
  }
}

ChildResult finish(Running &r, bool timed_out) {
  ChildResult res;
  if (timed_out) {
    ::kill(-r.pid, SIGKILL);
    ::kill(r.pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!timed_out) drain(r);
  ::close(r.fd);
  res.timed_out = timed_out;
  res.seconds = std::chrono::duration<double>(Clock::now() - r.start).count();
  res.output = std::move(r.output);
  if (!timed_out) {
    if (WIFSIGNALED(status)) res.signal = WTERMSIG(status);
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    // A child that forked helpers: make sure none outlives it.
    ::kill(-r.pid, SIGKILL);
  }
  return res;
}

}  // namespace

std::vector<ChildResult> run_isolated(const std::vector<ChildJob> &jobs, int n_parallel,
                                      double timeout_s) {
  std::vector<ChildResult> results(jobs.size());
  std::vector<Running> running;
  size_t next = 0;
  n_parallel = std::max(1, n_parallel);
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && static_cast<int>(running.size()) < n_parallel) {
      Running r = spawn(jobs[next], next);
      if (r.pid < 0) {
        results[next].exit_code = -1;
        results[next].output = r.output;
      } else {
        running.push_back(std::move(r));
      }
      ++next;
    }
    std::vector<pollfd> pfds;
    for (const Running &r : running) pfds.push_back({r.fd, POLLIN, 0});
    ::poll(pfds.data(), pfds.size(), 20);
    for (size_t i = 0; i < running.size();) {
      Running &r = running[i];
      drain(r);
      double elapsed = std::chrono::duration<double>(Clock::now() - r.start).count();
      if (r.eof || elapsed > timeout_s) {
        results[r.job] = finish(r, !r.eof);
        running.erase(running.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
  }
  return results;
}

std::string describe_exit(const ChildResult &r) {
  if (r.timed_out) return "killed after the timeout";
  if (r.exit_code == -1) return "could not be started";
  if (r.signal != 0)
    return "killed by signal " + std::to_string(r.signal) + " (" + ::strsignal(r.signal) + ")";
  return "exited with code " + std::to_string(r.exit_code);
}

}  // namespace worldtune::measure
