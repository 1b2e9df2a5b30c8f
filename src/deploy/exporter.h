/// \file `worldtune export`: the best tuned schedule of a workload as a deployable Halide
/// ahead-of-time library, with its schedule, lowered statement and a checked example program.
#pragma once

#include <string>
#include <vector>

#include "deploy/best_records.h"

namespace worldtune::deploy {

struct ExportOptions {
  std::string records;
  std::string workload;
  std::string out_dir;
  std::string target = "host";  ///< must be the best record's target
  std::string name;             ///< function and file name ("": the operator's name)
  bool force = false;           ///< write into an out_dir that holds files
};

struct ExportResult {
  std::string name;
  WorkloadRecords records;         ///< the workload's records; `best` is what was exported
  std::vector<std::string> files;  ///< paths written
};

/// Writes into out_dir: `name`.a/.h (kernel with the Halide runtime), `name`_reference.a/.h
/// (the naive schedule, no runtime), `name`_schedule.cpp, `name`.stmt, HalideRuntime.h,
/// `name`_example.cpp and build.sh. Throws UserError: BadArgument (a name that is no usable C
/// identifier, an out_dir holding files without force), BadWorkload (key or none recorded),
/// BadRecord (no successful record), BadTarget (measured for another target), BadSchedule (does
/// not compile), Io.
ExportResult export_best(const ExportOptions &options);

/// Why `name` cannot prefix the C functions and files of an export ("" when it can): not a C
/// identifier, too long, a keyword, reserved, or the Halide runtime's.
std::string c_name_problem(const std::string &name);
/// Throws UserError when out_dir is a file (Io), or a folder holding files and not `force`
/// (BadArgument).
void check_out_folder(const std::string &out_dir, bool force);

}  // namespace worldtune::deploy
