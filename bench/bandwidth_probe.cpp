/// \file Memory bandwidth over time: a two-thread triad over 3 x 32 MiB, about once a second,
/// printed with the time of day. Issue 8 used it to tell a machine's slow spells (a VM whose
/// bandwidth drops for minutes) from state inherited by a measuring process. Usage:
///   bandwidth_probe [seconds=180]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

/// GB/s of a[i] = b[i] + 3 c[i] on two threads, repeated for about 200 ms.
double triad_bandwidth(std::vector<float> &a, const std::vector<float> &b,
                       const std::vector<float> &c) {
  size_t n = a.size();
  auto part = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) a[i] = b[i] + 3.f * c[i];
  };
  auto t0 = Clock::now();
  int reps = 0;
  for (; Clock::now() - t0 < std::chrono::milliseconds(200); ++reps) {
    std::thread first(part, 0, n / 2), second(part, n / 2, n);
    first.join();
    second.join();
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return reps * 3.0 * static_cast<double>(n) * sizeof(float) / s / 1e9;
}

}  // namespace

int main(int argc, char **argv) {
  int seconds = argc > 1 ? std::atoi(argv[1]) : 180;
  size_t n = size_t{8} << 20;
  std::vector<float> a(n, 1), b(n, 2), c(n, 3);
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    double gbs = triad_bandwidth(a, b, c);
    std::time_t now = std::time(nullptr);
    char when[16];
    std::strftime(when, sizeof(when), "%H:%M:%S", std::localtime(&now));
    std::printf("%s %.2f GB/s\n", when, gbs);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
  }
  return 0;
}
