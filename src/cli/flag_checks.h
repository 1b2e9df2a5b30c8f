/// \file Checks of numeric flags. CLI11's number checks work on doubles: they print bounds with
/// 300 digits, let NaN and fractions through, and a negative seed wraps around in a uint64.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace worldtune::cli {

/// A whole number in [lo, hi] (hi: the flag type's largest value when there is no real bound).
CLI::Validator integer_in(int64_t lo, int64_t hi);

/// A seed: a whole number in [0, 2^64 - 1].
CLI::Validator seed_value();

/// A finite number of `unit` (seconds, GiB) > 0.
CLI::Validator positive_amount(const std::string &unit);
CLI::Validator positive_seconds();

}  // namespace worldtune::cli
