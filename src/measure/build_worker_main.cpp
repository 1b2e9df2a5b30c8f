/// \file worldtune-build-worker: compiles one candidate (or the Halide runtime) per process.
#include "measure/builder.h"
#include "measure/worker_process.h"

int main(int argc, char **argv) {
  using namespace worldtune::measure;
  return worker_main(argc, argv,
                     {{"build", build_candidate_command}, {"runtime", build_runtime_command}});
}
