/// \file The records file's writer lock.
#include "worldtune/records_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "worldtune/error.h"

namespace worldtune {

namespace {

/// This process as the lock file names it: pid, host, start time and command line.
std::string holder_description() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char &c : cmd)
    if (c == '\0') c = ' ';
  if (cmd.size() > 300) cmd = cmd.substr(0, 300) + "...";
  char host[256] = "?";
  ::gethostname(host, sizeof(host) - 1);
  char when[64] = "";
  std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return "pid " + std::to_string(::getpid()) + " on " + host + " since " + when + ": " + cmd;
}

}  // namespace

RecordsLock::RecordsLock(const std::string &path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  WT_USER_CHECK(fd >= 0, Io,
                "cannot open the lock file '" << lock_path << "': " << std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::ifstream in(lock_path);
    std::string holder;
    std::getline(in, holder);
    ::close(fd);
    WT_USER_CHECK(false, Io,
                  "records file '" << path << "' is being written by another worldtune ("
                                   << (holder.empty() ? "unknown process" : holder)
                                   << "); wait for it to finish or use another records file");
  }
  std::string me = holder_description() + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
  }  // the description is a courtesy: the lock is what counts
  fd_ = fd;
}

RecordsLock::~RecordsLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace worldtune
