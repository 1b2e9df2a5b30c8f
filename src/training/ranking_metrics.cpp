/// \file The ranking metrics.
#include "training/ranking_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "worldtune/error.h"

namespace worldtune::training {

namespace {

/// Ranks from 1, ties sharing their average rank.
template <typename T>
std::vector<double> average_ranks(const std::vector<T> &v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    double r = (static_cast<double>(i + j) / 2) + 1;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = r;
    i = j + 1;
  }
  return rank;
}

double pearson(const std::vector<double> &a, const std::vector<double> &b) {
  double n = static_cast<double>(a.size());
  double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

double top_k(const std::vector<double> &costs, const std::vector<size_t> &by_score, size_t k) {
  double best = *std::min_element(costs.begin(), costs.end());
  double best_in_top = costs[by_score[0]];
  for (size_t i = 0; i < std::min(k, by_score.size()); ++i)
    best_in_top = std::min(best_in_top, costs[by_score[i]]);
  return best / best_in_top;
}

}  // namespace

RankingMetrics ranking_metrics(const std::vector<double> &costs, const std::vector<float> &scores) {
  WT_ASSERT(costs.size() == scores.size(), "one score per cost");
  RankingMetrics m;
  m.programs = static_cast<int>(costs.size());
  if (costs.empty()) return m;
  size_t pairs = 0;
  double right = 0;
  for (size_t i = 0; i < costs.size(); ++i)
    for (size_t j = i + 1; j < costs.size(); ++j) {
      if (costs[i] == costs[j]) continue;
      ++pairs;
      bool i_faster = costs[i] < costs[j];
      if (scores[i] == scores[j])
        right += 0.5;
      else if ((scores[i] > scores[j]) == i_faster)
        right += 1;
    }
  m.pairwise = pairs ? right / static_cast<double>(pairs) : 1;
  std::vector<size_t> by_score(costs.size());
  std::iota(by_score.begin(), by_score.end(), 0);
  std::stable_sort(by_score.begin(), by_score.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  m.top1 = top_k(costs, by_score, 1);
  m.top5 = top_k(costs, by_score, 5);
  std::vector<double> throughput;
  for (double c : costs) throughput.push_back(1 / c);
  m.spearman = pearson(average_ranks(throughput), average_ranks(scores));
  return m;
}

RankingMetrics mean_metrics(const std::vector<RankingMetrics> &per_workload) {
  RankingMetrics m;
  if (per_workload.empty()) return m;
  for (const RankingMetrics &w : per_workload) {
    m.programs += w.programs;
    m.pairwise += w.pairwise;
    m.top1 += w.top1;
    m.top5 += w.top5;
    m.spearman += w.spearman;
  }
  double n = static_cast<double>(per_workload.size());
  m.pairwise /= n;
  m.top1 /= n;
  m.top5 /= n;
  m.spearman /= n;
  return m;
}

}  // namespace worldtune::training
