// mint::svg, the small plotting module the report (pipeline/report/report.hpp) is drawn with:
// box plots, grouped bars, scatter plots, lines on log-log axes, legends and sequence logos. Every
// function returns one standalone <svg> element (UTF-8, XML-escaped text). Non-finite values are
// never drawn: a box, bar or point with a NaN/inf coordinate is left out, so no attribute ever
// reads "nan".
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mint {
namespace svg {

// & < > " ' as entities: safe in HTML text, attribute values and SVG.
std::string escape(std::string_view text);

// Round tick positions (steps of 1, 2 or 5 × 10^k) covering [lo, hi] with about `target`
// intervals; the first tick is <= lo and the last >= hi. lo == hi is widened around the value.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// A data series: legend label and colour (#rrggbb). `markup`, when set, is SVG text content
// used instead of the escaped name (e.g. a subscript: M<tspan ...>w</tspan>).
struct Series {
  std::string name;
  std::string color;
  std::string markup;
};

// One panel's frame. y_min/y_max (x_min/x_max for scatter): fixed axis limits; NaN takes them
// from the data. Data outside fixed limits widens the axis rather than being clipped.
struct Panel {
  double width = 300, height = 220;
  std::string title, x_label, y_label;
  double y_min = 0, y_max = 1;
  double x_min = 0, x_max = 1;
};

// A box as matplotlib draws it: whiskers at the most extreme data within 1.5 IQR of the box.
struct Box {
  double whisker_lo = 0, q1 = 0, median = 0, q3 = 0, whisker_hi = 0;
  std::size_t sequences = 0;  // shown in the hover text when non-zero
};

// Categorical x; boxes[c][s] is series s at category c (nullopt: no box). Series sit side by
// side within a category, in series order.
std::string box_plot(const Panel& panel, const std::vector<std::string>& categories,
                     const std::vector<Series>& series,
                     const std::vector<std::vector<std::optional<Box>>>& boxes);

// Grouped bars from 0 (or the axis floor): values[c][s], NaN = no bar.
std::string bar_chart(const Panel& panel, const std::vector<std::string>& categories,
                      const std::vector<Series>& series,
                      const std::vector<std::vector<double>>& values);

struct Point {
  double x = 0, y = 0;
  std::size_t series = 0;
};

// Points coloured by series: small translucent dots, the series interleaved so none hides
// another (a point whose series index is out of range is left out).
std::string scatter(const Panel& panel, const std::vector<Series>& series,
                    const std::vector<Point>& points);

// One row of swatches and labels.
std::string legend(const std::vector<Series>& series);

// A point of a line: `filled` draws its marker filled, else hollow; `title` is its hover text.
struct LinePoint {
  double x = 0, y = 0;
  bool filled = true;
  std::string title;
};

// Points joined in order by a polyline (SVG stroke-dasharray `dash`, empty: solid), with a
// marker per point when `markers`.
struct Line {
  std::string color;
  std::string dash;
  bool markers = true;
  std::vector<LinePoint> points;
};

// Lines on log-log axes. Axis limits: the panel's x_min/x_max/y_min/y_max where finite and
// positive (set them to share axes between panels; NaN: from the data), widened to the data
// and out to the nearest 1, 2 or 5 × 10^k. Ticks at 1, 2, 5 × 10^k, or at the powers of 10 alone
// when that would be more than 7 ticks; labels ≥ 10^4 as 10k, 1M. A point with a coordinate
// that is not finite and positive cannot be drawn on a log axis and is left out (the line joins
// the others).
std::string log_log_plot(const Panel& panel, const std::vector<Line>& lines);

// One row of line samples and labels, like legend(): dashes[i] is series i's stroke-dasharray
// (missing or empty: solid).
std::string line_legend(const std::vector<Series>& series, const std::vector<std::string>& dashes);

// Letter heights in bits for a sequence logo of a first-layer filter, weights (K, 4) in A, C,
// G, T order: per position p = softmax(β·w) with β = 3 / max|w| over the whole filter (so a
// position's strongest weight relative to the filter's scale sets how peaked it is, and the
// logo does not depend on the filter's overall scale), height_b = p_b · (2 − H(p)).
std::vector<std::array<double, 4>> logo_heights(const std::vector<std::array<double, 4>>& weights);

// Sequence logo of one filter (heights from logo_heights; y axis 0–2 bits): letters as <text>
// stretched to their height, A green, C blue, G orange, T red, largest on top.
std::string logo(const Panel& panel, const std::vector<std::array<double, 4>>& weights);

}  // namespace svg
}  // namespace mint
