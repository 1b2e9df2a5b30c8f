/// \file Small string helpers shared by the workload parser, printers and CLI.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace worldtune {

std::vector<std::string> split_string(const std::string &s, char sep);
std::string trim(const std::string &s);

template <typename Range, typename Fn>
std::string join_mapped(const Range &r, const std::string &sep, Fn fn) {
  std::ostringstream os;
  bool first = true;
  for (const auto &x : r) {
    if (!first) os << sep;
    first = false;
    os << fn(x);
  }
  return os.str();
}

}  // namespace worldtune
