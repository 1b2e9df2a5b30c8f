/// \file Checks of numeric flags: the whole text must be the number, in range.
#include "cli/flag_checks.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "support/strings.h"

namespace worldtune::cli {

namespace {

/// Parses all of `s` as a T; false when it is not a number of that type or out of its range.
template <typename T>
bool parse_whole(const std::string &s, T &value) {
  const char *end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  return ec == std::errc() && ptr == end;
}

}  // namespace

CLI::Validator integer_in(int64_t lo, int64_t hi) {
  bool open = hi == std::numeric_limits<int64_t>::max() || hi == std::numeric_limits<int>::max();
  std::string range = open ? ">= " + std::to_string(lo)
                           : "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [=](std::string &s) -> std::string {
        int64_t v = 0;
        if (parse_whole(s, v) && v >= lo && v <= hi) return "";
        return "must be a whole number " + range + ", got '" + quote_cut(s) + "'";
      },
      "INT " + range);
}

CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string &s) -> std::string {
        uint64_t v = 0;
        if (parse_whole(s, v)) return "";
        return "must be a whole number in [0, " +
               std::to_string(std::numeric_limits<uint64_t>::max()) + "], got '" + quote_cut(s) +
               "'";
      },
      "SEED");
}

CLI::Validator positive_amount(const std::string &unit) {
  return CLI::Validator(
      [unit](std::string &s) -> std::string {
        double v = 0;
        if (parse_whole(s, v) && std::isfinite(v) && v > 0) return "";
        return "must be a finite number of " + unit + " > 0, got '" + quote_cut(s) + "'";
      },
      unit + " > 0");
}

CLI::Validator positive_seconds() { return positive_amount("seconds"); }

}  // namespace worldtune::cli
