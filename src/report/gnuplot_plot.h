/// \file Draws tuning curves with gnuplot (Debian's gnuplot-nox): one panel per workload, one line
/// per run or a median line with a min-max band per method, peers as dashed horizontal lines.
/// worldtune writes the data and a script; gnuplot draws. The script and data can be kept, so a
/// user can restyle a figure without re-reading the records.
#pragma once

#include <string>
#include <vector>

#include "report/tuning_curves.h"

namespace worldtune::report {

struct PlotOptions {
  std::string out;  ///< the image: .png or .svg
  int width = 0;    ///< pixels; 0: from the number of panels
  int height = 0;
  std::string title;     ///< above all panels; "" for none
  std::string data_dir;  ///< keep the script and data here; "": a temporary folder, removed
};

/// The image size `o` asks for, or the default for `panels` panels (width, height).
std::pair<int, int> plot_size(const PlotOptions &o, size_t panels);

/// Writes one data file per curve into `dir` (`panel<i>_curve<j>.dat`: trial, best, low, high)
/// and returns the gnuplot script that draws them into o.out. Throws UserError(BadArgument) for
/// an output that is neither .png nor .svg, or no panel to draw.
std::string write_plot_files(const std::vector<Panel> &panels, const PlotOptions &o,
                             const std::string &dir);

/// The gnuplot executable: $WORLDTUNE_GNUPLOT, else `gnuplot` on PATH. Throws UserError(Io)
/// saying how to install it when there is none.
std::string find_gnuplot();

/// Writes the files and runs gnuplot. Throws UserError(Io) when gnuplot is missing, fails (its
/// output in the message) or leaves no image.
void render_plot(const std::vector<Panel> &panels, const PlotOptions &o);

}  // namespace worldtune::report
