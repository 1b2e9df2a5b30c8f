/// \file Nothing outlives a stopped tuner: after SIGKILL, SIGINT or SIGTERM of `worldtune tune`
/// mid-build or mid-run, no process it started is alive a second later, and its work folder is
/// removed (at once on SIGINT/SIGTERM, by the next worldtune after SIGKILL). The test process is
/// a child subreaper, so orphans of the tuner become its children and cannot hide.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "measure_test_util.h"

namespace worldtune {
namespace {

struct Proc {
  pid_t pid;
  pid_t ppid;
  char state;
  std::string comm;
};

std::vector<Proc> all_processes() {
  std::vector<Proc> out;
  for (const auto &e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    Proc p{std::stoi(name), 0, line[close + 2], line.substr(open + 1, close - open - 1)};
    p.ppid = std::stoi(line.substr(close + 4));
    out.push_back(p);
  }
  return out;
}

/// Live (non-zombie) children of `parent`, after reaping those that ended.
std::vector<Proc> live_children(pid_t parent) {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  std::vector<Proc> out;
  for (const Proc &p : all_processes())
    if (p.ppid == parent && p.state != 'Z') out.push_back(p);
  return out;
}

pid_t start_tuner(const std::string &records) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string log = records + ".out";
    FILE *f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    ::dup2(1, 2);
    // A harness started in the background may ignore these: the tuner must see them.
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
    // Runs of 3 s each: long enough to be killed mid-run.
    ::execl(WORLDTUNE_BIN, WORLDTUNE_BIN, "tune", "--workload", "matmul:M=64,N=64,K=64", "--trials",
            "6", "--per-round", "2", "--population", "64", "--cost-model", "random",
            "--min-repeat-ms", "3000", "--records", records.c_str(), static_cast<char *>(nullptr));
    ::_exit(127);
  }
  return pid;
}

/// Waits (up to 60 s) until the tuner has a worker of the given comm prefix running.
bool wait_for_worker(pid_t tuner, const std::string &comm_prefix) {
  for (int i = 0; i < 1200; ++i) {
    for (const Proc &p : live_children(tuner))
      if (p.comm.rfind(comm_prefix, 0) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::vector<std::string> work_dirs_of(pid_t pid) {
  std::vector<std::string> out;
  std::string prefix = "worldtune-" + std::to_string(pid) + "-";
  for (const auto &e : std::filesystem::directory_iterator("/tmp"))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  return out;
}

/// Kills the tuner with `sig` while a worker of `comm_prefix` runs; returns the tuner's pid.
pid_t kill_tuner_during(int sig, const std::string &comm_prefix, const std::string &records) {
  pid_t tuner = start_tuner(records);
  EXPECT_TRUE(wait_for_worker(tuner, comm_prefix)) << "no " << comm_prefix << " worker seen";
  EXPECT_FALSE(work_dirs_of(tuner).empty());
  ::kill(tuner, sig);
  int status = 0;
  bool ended = false;
  for (int i = 0; i < 200 && !ended; ++i) {
    ended = ::waitpid(tuner, &status, WNOHANG) == tuner;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ended) {  // a tuner that ignored the signal fails below, not by hanging the suite
    ::kill(tuner, SIGKILL);
    ::waitpid(tuner, nullptr, 0);
  }
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<Proc> left = live_children(::getpid());
  for (const Proc &p : left) ADD_FAILURE() << "still alive: " << p.pid << " " << p.comm;
  for (const Proc &p : left) ::kill(p.pid, SIGKILL);
  return tuner;
}

class KillTuner : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
  testing::ScratchDir dir_;
};

TEST_F(KillTuner, SigkillDuringARunLeavesNoProcessAndTheNextRunSweepsTheFolder) {
  pid_t tuner = kill_tuner_during(SIGKILL, "worldtune-run", dir_.file("r.jsonl"));
  // Nothing can run at a SIGKILL: the folder stays until the next worldtune (maybe another test
  // running beside this one) removes it first thing.
  std::string next = std::string(WORLDTUNE_BIN) +
                     " measure --workload matmul:M=8,N=8,K=8 --random 1 --min-repeat-ms 1 "
                     "> /dev/null 2>&1";
  EXPECT_EQ(std::system(next.c_str()), 0);
  EXPECT_TRUE(work_dirs_of(tuner).empty());
}

TEST_F(KillTuner, SigintDuringARunLeavesNoProcessAndNoFolder) {
  pid_t tuner = kill_tuner_during(SIGINT, "worldtune-run", dir_.file("r.jsonl"));
  EXPECT_TRUE(work_dirs_of(tuner).empty());
}

TEST_F(KillTuner, SigtermDuringABuildLeavesNoProcessAndNoFolder) {
  pid_t tuner = kill_tuner_during(SIGTERM, "worldtune-build", dir_.file("r.jsonl"));
  EXPECT_TRUE(work_dirs_of(tuner).empty());
}

}  // namespace
}  // namespace worldtune
