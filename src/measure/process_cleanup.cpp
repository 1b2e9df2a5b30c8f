/// \file Signal-time cleanup with async-signal-safe calls only: kill, waitpid, open, getdents64,
/// unlinkat, rmdir.
#include "measure/process_cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "worldtune/error.h"

namespace worldtune::measure {

namespace {

constexpr int kMaxDirs = 64;
constexpr int kMaxWorkers = 256;
constexpr size_t kPathMax = 256;
constexpr const char *kPrefix = "worldtune-";

// Fixed arrays, not containers: the signal handler reads them and must not allocate or lock.
char g_dirs[kMaxDirs][kPathMax];
std::atomic<bool> g_dir_used[kMaxDirs];
std::atomic<pid_t> g_workers[kMaxWorkers];

/// Removes a work folder from inside a signal handler, with system calls only (no fork: glibc's
/// takes malloc's locks, which the interrupted thread may hold). Work folders are flat. A
/// compiler of a worker just killed may still be writing into it: retry for up to a second.
void remove_flat_dir(const char *path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    int dir = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return;
    alignas(8) char buf[4096];
    for (long n; (n = ::syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0;) {
      for (long off = 0; off < n;) {
        auto *e = reinterpret_cast<struct dirent64 *>(buf + off);
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
          ::unlinkat(dir, e->d_name, 0);
        off += e->d_reclen;
      }
    }
    ::close(dir);
    if (::rmdir(path) == 0 || errno != ENOTEMPTY) return;
    struct timespec pause = {0, 10 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
}

void on_stop_signal(int sig) {
  for (auto &w : g_workers) {
    if (pid_t pid = w.load(); pid > 0) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  for (int i = 0; i < kMaxDirs; ++i)
    if (g_dir_used[i].load()) remove_flat_dir(g_dirs[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

/// Installs the handlers once, leaving alone signals the program already handles or ignores
/// (nohup's SIGHUP, a test harness's handler).
void install_handlers() {
  static const bool installed = [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = on_stop_signal;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
    return true;
  }();
  (void)installed;
}

bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

int remove_stale_work_dirs() {
  int removed = 0;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator("/tmp", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    char *end = nullptr;
    long pid = std::strtol(name.c_str() + std::strlen(kPrefix), &end, 10);
    if (pid <= 0 || *end != '-' || pid == ::getpid() || process_alive(static_cast<pid_t>(pid)))
      continue;
    struct stat st {};  // only our own folders, never through a link
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
      continue;
    std::error_code rm_ec;
    if (std::filesystem::remove_all(entry.path(), rm_ec) > 0 && !rm_ec) ++removed;
  }
  return removed;
}

TempWorkDir::TempWorkDir() {
  remove_stale_work_dirs();
  std::string tmpl = "/tmp/" + std::string(kPrefix) + std::to_string(::getpid()) + "-XXXXXX";
  WT_USER_CHECK(::mkdtemp(tmpl.data()) != nullptr, Io,
                "cannot create a work directory in /tmp: " << std::strerror(errno));
  path_ = tmpl;
  install_handlers();
  for (int i = 0; i < kMaxDirs && slot_ < 0; ++i) {
    bool expected = false;
    if (g_dir_used[i].load() || path_.size() >= kPathMax) continue;
    std::memcpy(g_dirs[i], path_.c_str(), path_.size() + 1);
    if (g_dir_used[i].compare_exchange_strong(expected, true)) slot_ = i;
  }
}

TempWorkDir::~TempWorkDir() {
  if (slot_ >= 0) g_dir_used[slot_].store(false);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void register_worker(pid_t pid) {
  for (auto &w : g_workers) {
    pid_t expected = 0;
    if (w.compare_exchange_strong(expected, pid)) return;
  }
}

void unregister_worker(pid_t pid) {
  for (auto &w : g_workers) {
    pid_t expected = pid;
    if (w.compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace worldtune::measure
