/// \file The two small vectors a sequence model's head reads besides its latents: a summary of
/// what the schedule's actions add up to (read from the replayed state's loops, never from
/// lowered code or features), and the hardware the program runs on.
#pragma once

#include <vector>

#include "schedule/state.h"
#include "search/cost_model.h"

namespace worldtune::tokens {

/// Action summary: log2 parallel extent, log2 vector length, log2 auto-unroll limit, unrolled
/// loops, stages computed at / inlined / inserted, and for the stage of the most FLOPs, its
/// iterator count and log2 of the extent products of its innermost 1..4 iterators (its tiles).
inline constexpr int kActionSummaryWidth = 12;
/// Hardware: log2 cores, vector bytes / 64, cache line / 64, AVX2, AVX-512, AVX-512 BF16 (sapphire
/// rapids), FMA, F16C, Intel, AMD, log2 FLOPs per cycle (cores x fp32 lanes x 2).
inline constexpr int kHardwareWidth = 11;

std::vector<float> action_summary(const schedule::State &state);

/// From the task's hardware parameters, Halide target and machine key (what every record holds).
std::vector<float> hardware_vector(const search::SearchTask &task);

}  // namespace worldtune::tokens
