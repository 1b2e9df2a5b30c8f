/// \file The entry points every built candidate exports: what the builder produces and the run
/// worker loads.
#pragma once

namespace worldtune::measure {

/// Entry point name of every candidate (and `_argv` variant).
inline constexpr const char *kKernelName = "wt_kernel";
/// Optional entry point `void(int)` of candidates with their own thread pool (oneDNN's OpenMP):
/// the runner calls it where it sets the Halide runtime's thread count.
inline constexpr const char *kSetThreadsName = "wt_kernel_set_num_threads";

}  // namespace worldtune::measure
