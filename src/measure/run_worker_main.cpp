/// \file worldtune-run-worker: times and checks one built candidate per process.
#include "measure/run_worker.h"
#include "measure/worker_process.h"

int main(int argc, char **argv) {
  using namespace worldtune::measure;
  return worker_main(argc, argv,
                     {{"run", run_candidate_command}, {"reference", write_reference_command}});
}
