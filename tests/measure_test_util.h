/// \file Helpers for tests that write files or measure: a scratch directory, reading a file back,
/// fast measurement options.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "measure/measure_options.h"

namespace worldtune::testing {

/// A temporary directory removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/worldtune-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// The bytes of a file ("" when it cannot be read).
inline std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Short timings: tests check behaviour, not speed.
inline measure::MeasureOptions fast_options(const std::string &work_dir) {
  measure::MeasureOptions o;
  o.work_dir = work_dir;
  o.min_repeat_ms = 1;
  o.number = 1;
  o.run_timeout_s = 20;
  o.build_timeout_s = 60;
  o.check = measure::CheckPolicy::All;
  return o;
}

}  // namespace worldtune::testing
