/// \file Search curves of tuning runs: the best GFLOP/s found within the first 64, 128, 256, 512
/// and 1000 trials of each records file given (tuned records only, in file order, as recorded
/// during tuning), as a markdown table.
/// Usage: search_curve RECORDS...
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ir/workload.h"
#include "worldtune/record.h"

using namespace worldtune;

int main(int argc, char **argv) {
  const std::vector<int> marks = {64, 128, 256, 512, 1000};
  std::printf("| records | workload |");
  for (int m : marks) std::printf(" @%d |", m);
  std::printf("\n|---|---|");
  for (size_t i = 0; i < marks.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (int a = 1; a < argc; ++a) {
    std::map<std::string, std::vector<double>> best_at;  // workload -> best cost after each trial
    for (const MeasureRecord &r : read_records(argv[a])) {
      if (r.is_baseline()) continue;
      auto &v = best_at[r.workload];
      double prev = v.empty() ? kFailedCost : v.back();
      v.push_back(r.result.ok() ? std::min(prev, r.result.mean_cost()) : prev);
    }
    for (const auto &[key, v] : best_at) {
      double flops = ir::parse_workload(key).dag->flop_count();
      std::printf("| %s | `%s` |", std::filesystem::path(argv[a]).filename().c_str(), key.c_str());
      for (int m : marks) {
        if (static_cast<int>(v.size()) < m || v[m - 1] >= kFailedCost)
          std::printf(" - |");
        else
          std::printf(" %.1f |", flops / v[m - 1] / 1e9);
      }
      std::printf("\n");
    }
  }
  return 0;
}
