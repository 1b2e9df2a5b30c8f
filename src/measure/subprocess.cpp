/// \file fork + exec of worker executables, with poll-driven timeouts and captured answers.
#include "measure/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "measure/process_cleanup.h"
#include "measure/worker_process.h"
#include "worldtune/error.h"

namespace worldtune::measure {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kLogTail = 4000;  // characters of a worker's output kept for error messages

struct Running {
  size_t job = 0;
  pid_t pid = -1;
  int answer_fd = -1;
  int log_fd = -1;
  Clock::time_point start;
  std::string output, log;
  bool eof = false;
  bool log_eof = false;  // a worker may close its stdout early: poll would then never block
};

/// Moves fd above the standard descriptors and fd 3 (close-on-exec), so the child's dup2 calls
/// onto 0-3 can never clobber one another. -1 on failure.
int high_fd(int fd) {
  int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  ::close(fd);
  return high;
}

/// The worker's stdin (a socket: a worker that dies early makes send fail, not SIGPIPE), its
/// answer pipe and its log pipe; [0] is the tuner's end, [1] the worker's.
struct Channels {
  int req[2] = {-1, -1}, ans[2] = {-1, -1}, log[2] = {-1, -1};

  /// "" or why the descriptors could not be made.
  std::string open() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, req) != 0 ||
        ::pipe2(ans, O_CLOEXEC) != 0 || ::pipe2(log, O_CLOEXEC) != 0)
      return std::string("cannot create a pipe: ") + std::strerror(errno);
    for (int *fd : all())
      if ((*fd = high_fd(*fd)) < 0)
        return std::string("no file descriptors left: ") + std::strerror(errno);
    return "";
  }
  std::array<int *, 6> all() { return {&req[0], &req[1], &ans[0], &ans[1], &log[0], &log[1]}; }
  void close_workers_ends() {
    for (int *fd : {&req[1], &ans[1], &log[1]}) close_one(*fd);
  }
  void close_all() {
    for (int *fd : all()) close_one(*fd);
  }
  static void close_one(int &fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

/// What the child needs, prepared before fork: after fork only async-signal-safe calls are allowed
/// (the tuner may have other threads, XGBoost's for one).
struct ExecPlan {
  std::string path, command, parent;
  std::array<char *, 4> argv{};
  rlimit cap{};
  pid_t parent_pid = 0;
};

[[noreturn]] void exec_child(const ExecPlan &p, const Channels &c) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != p.parent_pid) ::_exit(126);  // the tuner died before prctl
  // The tuner's handlers (process_cleanup.cpp) must never run here; signals are still blocked.
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::dup2(c.req[1], 0);
  ::dup2(c.log[1], 1);
  ::dup2(c.log[1], 2);
  ::dup2(c.ans[1], kWorkerAnswerFd);
  // Nothing else of the tuner's (its error log, XGBoost's files) reaches the worker.
  ::close_range(kWorkerAnswerFd + 1, ~0U, 0);
  ::setrlimit(RLIMIT_AS, &p.cap);
  ::execv(p.path.c_str(), p.argv.data());
  const char msg[] = "cannot execute the worker executable\n";
  ssize_t ignored = ::write(2, msg, sizeof(msg) - 1);
  (void)ignored;
  ::_exit(kWorkerExitExecFailed);
}

void send_all(int fd, const std::string &s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the worker died before reading: its exit status says why
    off += static_cast<size_t>(n);
  }
}

/// Forks and execs the worker with every signal blocked, so that no handler of the tuner runs in
/// the child and a stop signal cannot fall between fork and the worker's registration.
pid_t fork_worker(const ExecPlan &p, const Channels &c) {
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) exec_child(p, c);
  if (pid > 0) {
    ::setpgid(pid, pid);
    register_worker(pid);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

/// Starts a worker; on failure (no descriptors or processes left) r.pid stays -1 and r.output
/// says why.
Running spawn(const WorkerJob &job, size_t index, int64_t memory_cap) {
  Running r;
  r.job = index;
  r.start = Clock::now();
  ExecPlan p;
  p.path = worker_executable(job.worker);
  p.command = job.command;
  p.parent = "--parent=" + std::to_string(::getpid());  // for ps: whose worker this is
  p.argv = {p.path.data(), p.command.data(), p.parent.data(), nullptr};
  p.cap.rlim_cur = p.cap.rlim_max = static_cast<rlim_t>(memory_cap);
  p.parent_pid = ::getpid();
  Channels c;
  r.output = c.open();
  pid_t pid = r.output.empty() ? fork_worker(p, c) : -1;
  if (r.output.empty() && pid < 0) r.output = std::string("cannot fork: ") + std::strerror(errno);
  c.close_workers_ends();
  if (pid < 0) {
    c.close_all();
    return r;
  }
  send_all(c.req[0], job.request);
  Channels::close_one(c.req[0]);
  ::fcntl(c.ans[0], F_SETFL, O_NONBLOCK);
  ::fcntl(c.log[0], F_SETFL, O_NONBLOCK);
  r.pid = pid;
  r.answer_fd = c.ans[0];
  r.log_fd = c.log[0];
  return r;
}

/// Reads what is available; true at end of file.
bool drain(int fd, std::string &into, size_t keep_tail) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      if (keep_tail && into.size() > 2 * keep_tail) into.erase(0, into.size() - keep_tail);
      continue;
    }
    return n == 0;  // else EAGAIN or EINTR
  }
}

/// A crash whose log says the allocator gave up (LLVM aborts with "out of memory"; the dynamic
/// loader cannot map a library).
bool looks_out_of_memory(std::string log) {
  for (char &ch : log) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char *s : {"out of memory", "bad_alloc", "cannot allocate memory",
                        "failed to map segment", "memory exhausted"})
    if (log.find(s) != std::string::npos) return true;
  return false;
}

/// Waits for the worker to end (after killing it on a timeout) and kills what it left in its
/// group. The group is killed while the worker is still a zombie: once it is reaped its pid,
/// and so its group id, may be another process's.
int end_worker(pid_t pid, bool timed_out) {
  if (timed_out) ::kill(-pid, SIGKILL);
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);  // a compiler the worker started dies with it
  unregister_worker(pid);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

ChildResult finish(Running &r, bool timed_out, int64_t memory_cap) {
  ChildResult res;
  int status = end_worker(r.pid, timed_out);
  if (!timed_out) drain(r.answer_fd, r.output, 0);
  drain(r.log_fd, r.log, kLogTail);
  ::close(r.answer_fd);
  ::close(r.log_fd);
  res.timed_out = timed_out;
  res.seconds = std::chrono::duration<double>(Clock::now() - r.start).count();
  res.output = std::move(r.output);
  res.log = r.log.size() > kLogTail ? r.log.substr(r.log.size() - kLogTail) : r.log;
  res.memory_cap = memory_cap;
  if (!timed_out) {
    if (WIFSIGNALED(status)) res.signal = WTERMSIG(status);
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    WT_USER_CHECK(res.exit_code != kWorkerExitExecFailed, Io,
                  "cannot start the measurement worker: " << res.log);
    res.out_of_memory = res.exit_code == kWorkerExitOutOfMemory ||
                        ((res.signal != 0 || res.exit_code != 0) && looks_out_of_memory(res.log));
  }
  return res;
}

std::string dir_of_executable() {
  std::array<char, 4096> buf{};
  ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  std::string exe(buf.data(), static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

}  // namespace

std::vector<ChildResult> run_workers(const std::vector<WorkerJob> &jobs, int n_parallel,
                                     double timeout_s, int64_t memory_cap) {
  std::vector<ChildResult> results(jobs.size());
  std::vector<Running> running;
  size_t next = 0;
  n_parallel = std::max(1, n_parallel);
  // From the parallelism asked for, not the batch size: a candidate's cap must not depend on how
  // many others were built beside it.
  if (memory_cap <= 0) memory_cap = default_memory_cap(n_parallel);
  // Never above the limit this process was given (a shell's ulimit -v): that one holds anyway.
  rlimit own{};
  if (::getrlimit(RLIMIT_AS, &own) == 0 && own.rlim_max != RLIM_INFINITY)
    memory_cap = std::min<int64_t>(memory_cap, static_cast<int64_t>(own.rlim_max));
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && static_cast<int>(running.size()) < n_parallel) {
      Running r = spawn(jobs[next], next, memory_cap);
      if (r.pid < 0) {
        results[next].exit_code = -1;
        results[next].output = r.output;
      } else {
        running.push_back(std::move(r));
      }
      ++next;
    }
    std::vector<pollfd> pfds;
    for (const Running &r : running) {
      pfds.push_back({r.answer_fd, POLLIN, 0});
      if (!r.log_eof) pfds.push_back({r.log_fd, POLLIN, 0});
    }
    ::poll(pfds.data(), pfds.size(), 20);
    for (size_t i = 0; i < running.size();) {
      Running &r = running[i];
      r.eof = r.eof || drain(r.answer_fd, r.output, 0);
      if (!r.log_eof) r.log_eof = drain(r.log_fd, r.log, kLogTail);
      double elapsed = std::chrono::duration<double>(Clock::now() - r.start).count();
      if (r.eof || elapsed > timeout_s) {
        results[r.job] = finish(r, !r.eof, memory_cap);
        running.erase(running.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
  }
  return results;
}

int64_t default_memory_cap(int concurrent) {
  double ram = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
  return static_cast<int64_t>(0.9 * ram / std::max(1, concurrent));
}

std::string describe_exit(const ChildResult &r) {
  std::ostringstream os;
  if (r.timed_out) {
    os << "killed after the timeout";
  } else if (r.out_of_memory) {
    os.precision(2);
    os << "ran out of its memory cap of " << std::fixed << r.memory_cap / double(1 << 30)
       << " GiB (--memory-cap)";
  } else if (r.exit_code == -1) {
    return "could not be started: " + r.output;
  } else if (r.signal != 0) {
    os << "killed by signal " << r.signal << " (" << ::strsignal(r.signal) << ")";
  } else {
    os << "exited with code " << r.exit_code;
  }
  std::string log = r.log.size() > 1500 ? "..." + r.log.substr(r.log.size() - 1500) : r.log;
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
  if (!log.empty()) os << " [worker output: " << log << "]";
  return os.str();
}

std::string worker_executable(WorkerKind kind) {
  const char *name = kind == WorkerKind::Build ? "worldtune-build-worker" : "worldtune-run-worker";
  static std::string found[2];
  std::string &cached = found[static_cast<int>(kind)];
  if (!cached.empty()) return cached;
  std::vector<std::string> dirs;
  if (const char *env = std::getenv("WORLDTUNE_WORKER_DIR"); env && *env) dirs.push_back(env);
  dirs.push_back(dir_of_executable());
  dirs.push_back(WORLDTUNE_WORKER_BUILD_DIR);
  for (const std::string &d : dirs) {
    std::string path = d + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return cached = path;
  }
  std::string tried;
  for (const std::string &d : dirs) tried += " " + d;
  WT_USER_CHECK(false, Io,
                "cannot find the worker executable '" << name << "' in" << tried
                                                      << " (set WORLDTUNE_WORKER_DIR)");
  return "";
}

}  // namespace worldtune::measure
