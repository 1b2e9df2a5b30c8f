/// \file How well a cost model ranks the programs of one workload (TenSet, Zheng et al. 2021,
/// §5): pairwise accuracy, top-k score and Spearman correlation of scores against measured costs.
#pragma once

#include <vector>

namespace worldtune::training {

struct RankingMetrics {
  int programs = 0;
  double pairwise = 0;  ///< share of pairs of different cost ordered right (score ties: half)
  double top1 = 0;      ///< best cost / cost of the top-scored program
  double top5 = 0;      ///< best cost / best cost among the 5 top-scored programs
  double spearman = 0;  ///< rank correlation of score and throughput (1 / cost), ties averaged
};

/// `costs` (seconds, all measured fine) and `scores` (higher: predicted faster) of the same
/// programs. Top-k picks the k highest scores, earlier programs first among equal scores.
RankingMetrics ranking_metrics(const std::vector<double> &costs, const std::vector<float> &scores);

/// The mean of each metric over workloads (each counts once, as in TenSet); `programs` sums.
RankingMetrics mean_metrics(const std::vector<RankingMetrics> &per_workload);

}  // namespace worldtune::training
