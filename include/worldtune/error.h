/// \file The two error channels worldtune uses before measurement: internal asserts for bugs
/// (WT_ASSERT aborts with file and line) and typed user errors that travel up to the CLI.
/// Measurement failures are a third channel and never throw: see measure_result.h.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace worldtune {

/// What kind of user input was wrong; the CLI prints it as `error: <kind>: <message>`.
enum class ErrorKind {
  BadWorkload,
  BadSchedule,
  BadRecord,
  BadTarget,
  BadArgument,
  BadModel,    ///< a cost model's weights file
  BadNetwork,  ///< a network to tune or compile (an ONNX file)
  Io
};

const char *error_kind_name(ErrorKind kind);

/// A user-facing error: bad workload key, malformed record, invalid step list, ...
class UserError : public std::runtime_error {
 public:
  UserError(ErrorKind kind, const std::string &message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] void assert_fail(const char *cond, const char *file, int line, const std::string &msg);

}  // namespace worldtune

#define WT_ASSERT(cond, msg)                                                    \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::ostringstream wt_assert_os_;                                         \
      wt_assert_os_ << msg;                                                     \
      ::worldtune::assert_fail(#cond, __FILE__, __LINE__, wt_assert_os_.str()); \
    }                                                                           \
  } while (0)

/// Throws a UserError of the given kind unless cond holds.
#define WT_USER_CHECK(cond, kind, msg)                                                \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::ostringstream wt_check_os_;                                                \
      wt_check_os_ << msg;                                                            \
      throw ::worldtune::UserError(::worldtune::ErrorKind::kind, wt_check_os_.str()); \
    }                                                                                 \
  } while (0)
