/// \file Out-of-line parts of the error channels.
#include "worldtune/error.h"

#include <cstdio>
#include <cstdlib>

namespace worldtune {

const char *error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadWorkload:
      return "workload";
    case ErrorKind::BadSchedule:
      return "schedule";
    case ErrorKind::BadRecord:
      return "record";
    case ErrorKind::BadTarget:
      return "target";
    case ErrorKind::BadArgument:
      return "argument";
    case ErrorKind::BadModel:
      return "model";
    case ErrorKind::BadNetwork:
      return "network";
    case ErrorKind::Io:
      return "io";
  }
  return "unknown";
}

void assert_fail(const char *cond, const char *file, int line, const std::string &msg) {
  std::fprintf(stderr, "worldtune internal error: %s:%d: assertion `%s` failed: %s\n", file, line,
               cond, msg.c_str());
  std::abort();
}

}  // namespace worldtune
