/// \file `worldtune run-model`: times a network `worldtune compile` wrote and checks its output,
/// by running the compiled example program (built from the static library) on an input and the
/// output a framework computed for it.
#pragma once

#include <string>

namespace worldtune::netcompile {

struct RunModelOptions {
  std::string dir;  ///< the folder `worldtune compile --out` wrote
  std::string io;   ///< FILE.io.json ("": the input and expected output compile wrote)
  int runs = 20;
  int threads = 0;  ///< 0: the Halide runtime's default (all cores)
};

struct RunModelResult {
  std::string name;
  std::string output;  ///< what the example program printed
  int exit_code = 0;   ///< 0: the output matched within the tolerance; 1: it did not
};

/// Throws UserError: Io (no compiled network in dir, a build that fails), BadArgument (an io file
/// of other shapes than the network's).
RunModelResult run_model(const RunModelOptions &options);

}  // namespace worldtune::netcompile
