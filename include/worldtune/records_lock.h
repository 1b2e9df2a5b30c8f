/// \file One writer per records file: `<records>.lock`, held with flock for as long as the
/// writer lives, so two tuners can never interleave their records. The kernel drops the lock when
/// the process ends, however it ends; the file keeps a line naming the holder for the refusal.
#pragma once

#include <string>

namespace worldtune {

class RecordsLock {
 public:
  /// Creates the records' folder if needed and takes the lock, or throws UserError(Io) naming
  /// the process that holds it.
  explicit RecordsLock(const std::string &records_path);
  ~RecordsLock();
  RecordsLock(RecordsLock &&other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RecordsLock &operator=(RecordsLock &&) = delete;
  RecordsLock(const RecordsLock &) = delete;

 private:
  int fd_ = -1;
};

}  // namespace worldtune
