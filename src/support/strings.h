/// \file Small string helpers shared by the workload parser, printers and CLI.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace worldtune {

std::vector<std::string> split_string(const std::string &s, char sep);
std::string trim(const std::string &s);

/// Longest piece of user input that error messages quote; a longer one is cut.
inline constexpr size_t kQuoteLimit = 80;

/// `s` as an error message may quote it: whole when short, else its first `limit` characters
/// and its length, so a 50 MB field cannot flood the terminal or a log.
std::string quote_cut(const std::string &s, size_t limit = kQuoteLimit);

/// `s` as one word of a POSIX shell command line: as it is when no character of it is special
/// to the shell, else single-quoted.
std::string shell_quote(const std::string &s);

/// printf into a std::string.
std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
