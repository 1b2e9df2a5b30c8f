/// \file The CLI's subcommands. main.cpp only parses flags into these option structs.
#pragma once

#include <cstdint>
#include <string>

#include "measure/measure_options.h"

namespace worldtune::cli {

int run_workloads();

struct ShowOptions {
  std::string workload;
  uint64_t seed = 1;
};
int run_show(const ShowOptions &o);

struct MeasureCommandOptions {
  std::string workload;
  int random = 16;
  std::string records;
  uint64_t seed = 1;
  int batch = 16;
  measure::MeasureOptions measure;
};
int run_measure(const MeasureCommandOptions &o);

}  // namespace worldtune::cli
