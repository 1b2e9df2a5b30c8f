/// \file gnuplot scripts and data files for tuning curves, and running gnuplot on them.
#include "report/gnuplot_plot.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/strings.h"
#include "worldtune/error.h"

namespace worldtune::report {

namespace {

namespace fs = std::filesystem;

constexpr int kPanelWidth = 560, kPanelHeight = 400;

/// A gnuplot single-quoted string: no escapes but '' for a quote.
std::string gp_quote(const std::string &s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int columns_for(size_t panels) {
  return std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(panels)))));
}

/// The curve's points from its first success (all of them when it never succeeded).
void write_curve(const Curve &c, const std::string &path) {
  std::ofstream out(path);
  WT_USER_CHECK(out, Io, "cannot write the plot data file '" << path << "'");
  size_t first = 0;
  while (first < c.best.size() && c.best[first] <= 0) ++first;
  if (first == c.best.size()) first = 0;
  for (size_t t = first; t < c.best.size(); ++t) {
    out << t + 1 << ' ' << c.best[t];
    if (!c.low.empty()) out << ' ' << c.low[t] << ' ' << c.high[t];
    out << '\n';
  }
}

/// The `plot` command of one panel: bands under lines, then the peers.
std::string panel_plot(const Panel &p, size_t panel, const std::string &dir) {
  std::vector<std::string> items;
  for (size_t j = 0; j < p.curves.size(); ++j) {
    const Curve &c = p.curves[j];
    std::string file =
        gp_quote((fs::path(dir) / format("panel%zu_curve%zu.dat", panel, j)).string());
    std::string color = format("lc %zu", j + 1);
    if (!c.low.empty())
      items.push_back(file + " using 1:3:4 with filledcurves " + color +
                      " fs transparent solid 0.2 notitle");
    items.push_back(file + " using 1:2 with lines lw 2 " + color + " title " + gp_quote(c.label));
  }
  for (size_t k = 0; k < p.peers.size(); ++k)
    items.push_back(
        format("%.6g with lines dt %zu lw 1.5 lc rgb 'black' title ", p.peers[k].gflops, k + 2) +
        gp_quote(format("%s %.1f", p.peers[k].method.c_str(), p.peers[k].gflops)));
  return "plot " + join_mapped(items, ", \\\n     ", [](const std::string &s) { return s; }) + "\n";
}

std::string terminal_line(const PlotOptions &o, std::pair<int, int> size) {
  if (ends_with(o.out, ".png"))
    return format("set terminal pngcairo size %d,%d font ',9' noenhanced\n", size.first,
                  size.second);
  WT_USER_CHECK(ends_with(o.out, ".svg"), BadArgument,
                "--out '" << o.out << "': plots are written as .png or .svg");
  return format("set terminal svg size %d,%d font 'sans,9' noenhanced\n", size.first, size.second);
}

}  // namespace

std::pair<int, int> plot_size(const PlotOptions &o, size_t panels) {
  int cols = columns_for(panels);
  int rows = static_cast<int>((panels + cols - 1) / cols);
  return {o.width > 0 ? o.width : cols * kPanelWidth,
          o.height > 0 ? o.height : std::max(1, rows) * kPanelHeight};
}

std::string write_plot_files(const std::vector<Panel> &panels, const PlotOptions &o,
                             const std::string &dir) {
  WT_USER_CHECK(!panels.empty(), BadArgument, "nothing to plot: the records hold no workload");
  std::ostringstream s;
  s << terminal_line(o, plot_size(o, panels.size())) << "set output " << gp_quote(o.out) << '\n';
  int cols = columns_for(panels.size());
  s << format("set multiplot layout %d,%d", static_cast<int>((panels.size() + cols - 1) / cols),
              cols);
  if (!o.title.empty()) s << " title " << gp_quote(o.title);
  s << "\nset key bottom right font ',8'\nset grid\nset xlabel 'trials'\nset ylabel 'GFLOP/s'\n";
  for (size_t i = 0; i < panels.size(); ++i) {
    const Panel &p = panels[i];
    size_t trials = 1;
    for (size_t j = 0; j < p.curves.size(); ++j) {
      write_curve(p.curves[j], (fs::path(dir) / format("panel%zu_curve%zu.dat", i, j)).string());
      trials = std::max(trials, p.curves[j].best.size());
    }
    s << "set title " << gp_quote(p.workload)
      << format("\nset xrange [1:%zu]\n", std::max<size_t>(trials, 2)) << "set yrange [0:*]\n"
      << panel_plot(p, i, dir);
  }
  s << "unset multiplot\n";
  return s.str();
}

std::string find_gnuplot() {
  if (const char *env = std::getenv("WORLDTUNE_GNUPLOT"); env && *env) {
    WT_USER_CHECK(::access(env, X_OK) == 0, Io,
                  "WORLDTUNE_GNUPLOT='" << env << "' is not an executable file");
    return env;
  }
  const char *path = std::getenv("PATH");
  for (const std::string &d : split_string(path ? path : "", ':')) {
    std::string candidate = (fs::path(d.empty() ? "." : d) / "gnuplot").string();
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  WT_USER_CHECK(false, Io,
                "gnuplot was not found on PATH: worldtune draws plots with it; install it "
                "(apt-get install gnuplot-nox) or set WORLDTUNE_GNUPLOT to its path");
  return {};
}

void render_plot(const std::vector<Panel> &panels, const PlotOptions &o) {
  std::string gnuplot = find_gnuplot();
  std::string dir = o.data_dir;
  bool temporary = dir.empty();
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "worldtune-plot-XXXXXX").string();
    WT_USER_CHECK(::mkdtemp(tmpl.data()), Io, "cannot make a temporary folder for the plot data");
    dir = tmpl;
  }
  struct Cleanup {  // the temporary folder goes whatever happens
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{temporary ? dir : ""};
  fs::create_directories(dir);
  // gnuplot draws into a scratch file renamed at the end: a failed plot keeps the old image.
  PlotOptions scratch = o;
  fs::path out(o.out);
  scratch.out =
      (out.parent_path() / (out.stem().string() + ".partial" + out.extension().string())).string();
  fs::remove(scratch.out);
  std::string script_path = (fs::path(dir) / "plot.gp").string();
  std::ofstream(script_path) << write_plot_files(panels, scratch, dir);
  std::string log = (fs::path(dir) / "gnuplot.log").string();
  int rc = std::system(
      (shell_quote(gnuplot) + " " + shell_quote(script_path) + " > " + shell_quote(log) + " 2>&1")
          .c_str());
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WT_USER_CHECK(rc == 0, Io,
                "gnuplot failed drawing '" << o.out << "': " << quote_cut(output, 2000));
  WT_USER_CHECK(
      fs::exists(scratch.out) && fs::file_size(scratch.out) > 0, Io,
      "gnuplot wrote no image for '" << o.out << "'" << (output.empty() ? "" : ": " + output));
  fs::rename(scratch.out, o.out);
}

}  // namespace worldtune::report
