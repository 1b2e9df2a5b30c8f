/// \file What must not outlive a stopped worldtune: its workers and its temporary work folders.
///
/// Workers die with the process that started them (PR_SET_PDEATHSIG, subprocess.cpp). On SIGINT,
/// SIGTERM or SIGHUP, handlers installed with the first temporary folder also kill the running
/// workers' process groups and remove the folders before the process dies of the signal. After a
/// SIGKILL nothing can run: the next worldtune removes folders whose process is gone.
#pragma once

#include <sys/types.h>

#include <string>

namespace worldtune::measure {

/// A private folder /tmp/worldtune-<pid>-XXXXXX, removed on destruction and on SIGINT, SIGTERM
/// or SIGHUP. Creating one first removes the folders of worldtune processes that no longer exist.
class TempWorkDir {
 public:
  TempWorkDir();
  ~TempWorkDir();
  TempWorkDir(const TempWorkDir &) = delete;
  TempWorkDir &operator=(const TempWorkDir &) = delete;
  const std::string &path() const { return path_; }

 private:
  std::string path_;
  int slot_ = -1;
};

/// Workers currently running (process group leaders), killed by the signal handlers. The tables
/// are fixed (256 workers, 64 folders: the handlers cannot allocate); what does not fit is left to
/// PR_SET_PDEATHSIG and to the next worldtune's sweep.
void register_worker(pid_t pid);
void unregister_worker(pid_t pid);

/// Removes /tmp/worldtune-<pid>-* folders whose process is gone; returns how many.
int remove_stale_work_dirs();

}  // namespace worldtune::measure
