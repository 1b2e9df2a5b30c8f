/// \file Tuning curves: the best GFLOP/s found after each trial, per workload and per run, read
/// from records files, with the peers measured by `worldtune baseline` beside them. What
/// `worldtune plot` draws (report/gnuplot_plot.h) and what an experiment's tables are made of.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace worldtune::report {

/// What a records file is a run of: its label in a legend, and the method its seeds group by.
struct RunLabel {
  std::string method;  ///< "xgb", "world (offline)", "world-cal.json", or the file's stem
  uint64_t seed = 0;
  bool has_seed = false;
  std::string label() const;  ///< "xgb seed 1", or the method alone when the seed is unknown
};

/// The run a records file holds: from its `<records>.run.json` (cost model, model file, model
/// options, seed) when it has one, else from the file name and the seed of its first record.
RunLabel run_label(const std::string &records_path);

/// One line of a panel: the best GFLOP/s after each trial (best[i] after trial i + 1; 0 before
/// the first success). With several seeds of one method, `best` is their median at each trial
/// and `low`/`high` their minimum and maximum (the error band), up to the shortest run.
struct Curve {
  std::string label;
  std::vector<double> best;
  std::vector<double> low, high;  ///< empty for a single run
  int runs = 1;                   ///< records files behind the curve
};

/// A peer measured on the workload (a baseline record): a horizontal line.
struct Peer {
  std::string method;
  double gflops = 0;
};

/// Everything drawn for one workload.
struct Panel {
  std::string workload;
  std::vector<Curve> curves;
  std::vector<Peer> peers;
};

/// One workload of one run.
struct RunWorkload {
  std::string workload;
  std::vector<double> best;  ///< as Curve::best
  std::vector<Peer> peers;   ///< the fastest measurement of each baseline method in the file
};

/// One run's curves: per workload of the file, in the order they first appear.
struct RunCurves {
  std::string path;
  RunLabel label;
  std::vector<RunWorkload> workloads;
};

/// Reads one records file (plain or .xz). Throws UserError(BadRecord / Io) as read_records does.
RunCurves read_run_curves(const std::string &records_path);

/// The panels of several runs, one per workload in the order first seen. Runs whose labels differ
/// only in the seed become one curve with an error band when `band_seeds`; otherwise each records
/// file is its own curve. A peer measured in several files keeps its fastest measurement.
std::vector<Panel> make_panels(const std::vector<RunCurves> &runs, bool band_seeds);

}  // namespace worldtune::report
