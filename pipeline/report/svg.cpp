// The plotting module mint::svg (pipeline/report/svg.hpp). Layout is estimated, not measured:
// glyph widths are averages for the fonts the page names (no text metrics without a renderer),
// and coordinates are printed with at most 2 decimals so the page stays small and stable.
#include "pipeline/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mint {
namespace svg {
namespace {

constexpr double kCharWidth = 6.1;   // average glyph width at font-size 11, for layout estimates
constexpr double kCapHeight = 0.72;  // cap height / font size of Arial/Helvetica/DejaVu bold

bool finite(double x) { return std::isfinite(x); }

// A coordinate: at most 2 decimals, no trailing zeros; callers never pass non-finite values.
std::string c2(double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0" || s.empty()) s = "0";
  return s;
}

std::string c1(double x) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  std::string s(buf);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

std::string tick_label(double v, double step) {
  const int decimals =
      step > 0 ? std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))) : 2;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s(buf);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string value_text(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Ticks for an axis whose fixed limits (NaN: free) are widened to include [data_lo, data_hi].
std::vector<double> axis_ticks(double lo_fixed, double hi_fixed, double data_lo, double data_hi,
                               int target) {
  double lo = lo_fixed, hi = hi_fixed;
  if (finite(data_lo)) lo = finite(lo) ? std::min(lo, data_lo) : data_lo;
  if (finite(data_hi)) hi = finite(hi) ? std::max(hi, data_hi) : data_hi;
  if (!finite(lo)) lo = finite(hi) ? std::min(0.0, hi) : 0.0;
  if (!finite(hi)) hi = lo + 1;
  return nice_ticks(lo, hi, target);
}

// The drawing area of a panel and its data → pixel maps.
struct Frame {
  double width, height, left, right, top, bottom;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double plot_w() const { return width - left - right; }
  double plot_h() const { return height - top - bottom; }
  double px(double x) const { return left + (x - x0) / (x1 - x0) * plot_w(); }
  double py(double y) const { return height - bottom - (y - y0) / (y1 - y0) * plot_h(); }
};

std::string open_svg(const Panel& p) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + c2(p.width) + "\" height=\"" +
         c2(p.height) + "\" viewBox=\"0 0 " + c2(p.width) + " " + c2(p.height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\" role=\"img\"><title>" +
         escape(p.title) + "</title>";
}

void draw_title(std::string& s, const Panel& p) {
  if (p.title.empty()) return;
  s += "<text x=\"" + c2(p.width / 2) +
       "\" y=\"14\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"12\">" +
       escape(p.title) + "</text>";
}

void draw_y_axis(std::string& s, const Frame& f, const std::vector<double>& ticks,
                 const std::string& label) {
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  for (double t : ticks) {
    const std::string y = c2(f.py(t));
    s += "<line x1=\"" + c2(f.left) + "\" x2=\"" + c2(f.width - f.right) + "\" y1=\"" + y +
         "\" y2=\"" + y + "\" stroke=\"#e6e6e6\"/>";
    s += "<text x=\"" + c2(f.left - 5) + "\" y=\"" + c2(f.py(t) + 3.5) + "\" text-anchor=\"end\">" +
         tick_label(t, step) + "</text>";
  }
  s += "<line x1=\"" + c2(f.left) + "\" x2=\"" + c2(f.left) + "\" y1=\"" + c2(f.top) + "\" y2=\"" +
       c2(f.height - f.bottom) + "\" stroke=\"#333\"/>";
  s += "<line x1=\"" + c2(f.left) + "\" x2=\"" + c2(f.width - f.right) + "\" y1=\"" +
       c2(f.height - f.bottom) + "\" y2=\"" + c2(f.height - f.bottom) + "\" stroke=\"#333\"/>";
  if (!label.empty()) {
    s += "<text transform=\"translate(12," + c2(f.top + f.plot_h() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(label) + "</text>";
  }
}

void draw_x_label(std::string& s, const Frame& f, const std::string& label) {
  if (label.empty()) return;
  s += "<text x=\"" + c2(f.left + f.plot_w() / 2) + "\" y=\"" + c2(f.height - 6) +
       "\" text-anchor=\"middle\">" + escape(label) + "</text>";
}

// Categorical x axis: labels centred under their band, rotated when they would collide.
double category_label_depth(const std::vector<std::string>& categories, double band) {
  std::size_t longest = 0;
  for (const auto& c : categories) longest = std::max(longest, c.size());
  const double w = static_cast<double>(longest) * kCharWidth;
  return w > band - 4 ? std::min(90.0, w * 0.5 + 8) : 0;  // extra bottom margin when rotated
}

void draw_x_categories(std::string& s, const Frame& f, const std::vector<std::string>& categories,
                       bool rotate) {
  const double band = f.plot_w() / static_cast<double>(std::max<std::size_t>(1, categories.size()));
  for (std::size_t c = 0; c < categories.size(); ++c) {
    const double x = f.left + band * (static_cast<double>(c) + 0.5);
    const double y = f.height - f.bottom + 14;
    if (rotate) {
      s += "<text transform=\"translate(" + c2(x + 3) + "," + c2(y - 4) +
           ") rotate(-35)\" text-anchor=\"end\">" + escape(categories[c]) + "</text>";
    } else {
      s += "<text x=\"" + c2(x) + "\" y=\"" + c2(y) + "\" text-anchor=\"middle\">" +
           escape(categories[c]) + "</text>";
    }
  }
}

std::string series_label(const Series& s) { return s.markup.empty() ? escape(s.name) : s.markup; }

// Frame for a categorical panel with the y range taken from the data and the panel's limits.
Frame categorical_frame(const Panel& p, const std::vector<std::string>& categories, double data_lo,
                        double data_hi, std::vector<double>& ticks, bool& rotate) {
  Frame f{p.width, p.height, 50, 10, p.title.empty() ? 10.0 : 24.0, 36};
  const double band = f.plot_w() / static_cast<double>(std::max<std::size_t>(1, categories.size()));
  const double extra = category_label_depth(categories, band);
  rotate = extra > 0;
  f.bottom += extra;
  ticks = axis_ticks(p.y_min, p.y_max, data_lo, data_hi, 5);
  f.y0 = ticks.front();
  f.y1 = ticks.back();
  return f;
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!finite(lo) || !finite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    if (lo == 0) {
      hi = 1;
    } else {
      lo -= pad;
      hi += pad;
    }
  }
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first; k <= last + 0.5; k += 1) {
    double t = k * step;
    if (std::abs(t) < step * 1e-9) t = 0;
    ticks.push_back(t);
  }
  if (ticks.size() < 2) ticks.push_back(ticks.back() + step);
  return ticks;
}

std::string box_plot(const Panel& panel, const std::vector<std::string>& categories,
                     const std::vector<Series>& series,
                     const std::vector<std::vector<std::optional<Box>>>& boxes) {
  auto usable = [](const Box& b) {
    return finite(b.whisker_lo) && finite(b.q1) && finite(b.median) && finite(b.q3) &&
           finite(b.whisker_hi);
  };
  double lo = NAN, hi = NAN;
  for (const auto& row : boxes) {
    for (const auto& b : row) {
      if (!b || !usable(*b)) continue;
      for (double v : {b->whisker_lo, b->q1, b->median, b->q3, b->whisker_hi}) {
        lo = std::isnan(lo) ? v : std::min(lo, v);
        hi = std::isnan(hi) ? v : std::max(hi, v);
      }
    }
  }
  std::vector<double> ticks;
  bool rotate = false;
  const Frame f = categorical_frame(panel, categories, lo, hi, ticks, rotate);
  std::string s = open_svg(panel);
  draw_title(s, panel);
  draw_y_axis(s, f, ticks, panel.y_label);
  draw_x_categories(s, f, categories, rotate);
  draw_x_label(s, f, panel.x_label);
  const double band = f.plot_w() / static_cast<double>(std::max<std::size_t>(1, categories.size()));
  const double group = band * 0.84;
  const double slot = group / static_cast<double>(std::max<std::size_t>(1, series.size()));
  const double w = std::min(slot * 0.8, 28.0);
  for (std::size_t c = 0; c < categories.size() && c < boxes.size(); ++c) {
    for (std::size_t k = 0; k < series.size() && k < boxes[c].size(); ++k) {
      const auto& b = boxes[c][k];
      if (!b || !usable(*b)) continue;
      const double cx = f.left + band * (static_cast<double>(c) + 0.5) - group / 2 +
                        slot * (static_cast<double>(k) + 0.5);
      const double ylo = f.py(b->whisker_lo), yq1 = f.py(b->q1), ymed = f.py(b->median),
                   yq3 = f.py(b->q3), yhi = f.py(b->whisker_hi);
      s += "<g><title>" + escape(series[k].name) + ", " + escape(categories[c]) + ": median " +
           value_text(b->median) + ", quartiles " + value_text(b->q1) + "–" + value_text(b->q3) +
           ", whiskers " + value_text(b->whisker_lo) + "–" + value_text(b->whisker_hi);
      if (b->sequences) s += ", " + std::to_string(b->sequences) + " sequences";
      s += "</title>";
      const std::string x = c2(cx), xl = c2(cx - w / 4), xr = c2(cx + w / 4);
      s += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + c2(ylo) + "\" y2=\"" + c2(yq1) +
           "\" stroke=\"#444\"/>";
      s += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + c2(yq3) + "\" y2=\"" + c2(yhi) +
           "\" stroke=\"#444\"/>";
      s += "<line x1=\"" + xl + "\" x2=\"" + xr + "\" y1=\"" + c2(ylo) + "\" y2=\"" + c2(ylo) +
           "\" stroke=\"#444\"/>";
      s += "<line x1=\"" + xl + "\" x2=\"" + xr + "\" y1=\"" + c2(yhi) + "\" y2=\"" + c2(yhi) +
           "\" stroke=\"#444\"/>";
      s += "<rect x=\"" + c2(cx - w / 2) + "\" y=\"" + c2(std::min(yq1, yq3)) + "\" width=\"" +
           c2(w) + "\" height=\"" + c2(std::abs(yq1 - yq3)) + "\" fill=\"" + series[k].color +
           "\" fill-opacity=\"0.85\" stroke=\"#444\"/>";
      s += "<line x1=\"" + c2(cx - w / 2) + "\" x2=\"" + c2(cx + w / 2) + "\" y1=\"" + c2(ymed) +
           "\" y2=\"" + c2(ymed) + "\" stroke=\"#111\" stroke-width=\"1.8\"/>";
      s += "</g>";
    }
  }
  return s + "</svg>";
}

std::string bar_chart(const Panel& panel, const std::vector<std::string>& categories,
                      const std::vector<Series>& series,
                      const std::vector<std::vector<double>>& values) {
  double lo = NAN, hi = NAN;
  for (const auto& row : values) {
    for (double v : row) {
      if (!finite(v)) continue;
      lo = std::isnan(lo) ? v : std::min(lo, v);
      hi = std::isnan(hi) ? v : std::max(hi, v);
    }
  }
  std::vector<double> ticks;
  bool rotate = false;
  const Frame f = categorical_frame(panel, categories, std::min(lo, 0.0), hi, ticks, rotate);
  std::string s = open_svg(panel);
  draw_title(s, panel);
  draw_y_axis(s, f, ticks, panel.y_label);
  draw_x_categories(s, f, categories, rotate);
  draw_x_label(s, f, panel.x_label);
  const double base = f.py(std::clamp(0.0, f.y0, f.y1));
  const double band = f.plot_w() / static_cast<double>(std::max<std::size_t>(1, categories.size()));
  const double group = band * 0.8;
  const double slot = group / static_cast<double>(std::max<std::size_t>(1, series.size()));
  for (std::size_t c = 0; c < categories.size() && c < values.size(); ++c) {
    for (std::size_t k = 0; k < series.size() && k < values[c].size(); ++k) {
      const double v = values[c][k];
      if (!finite(v)) continue;
      const double x = f.left + band * static_cast<double>(c) + (band - group) / 2 +
                       slot * static_cast<double>(k);
      const double y = f.py(v);
      s += "<rect x=\"" + c2(x + slot * 0.06) + "\" y=\"" + c2(std::min(y, base)) + "\" width=\"" +
           c2(slot * 0.88) + "\" height=\"" + c2(std::abs(base - y)) + "\" fill=\"" +
           series[k].color + "\"><title>" + escape(series[k].name) + ", " + escape(categories[c]) +
           ": " + value_text(v) + "</title></rect>";
    }
  }
  return s + "</svg>";
}

std::string scatter(const Panel& panel, const std::vector<Series>& series,
                    const std::vector<Point>& points) {
  double xlo = NAN, xhi = NAN, ylo = NAN, yhi = NAN;
  for (const auto& p : points) {
    if (!finite(p.x) || !finite(p.y)) continue;
    xlo = std::isnan(xlo) ? p.x : std::min(xlo, p.x);
    xhi = std::isnan(xhi) ? p.x : std::max(xhi, p.x);
    ylo = std::isnan(ylo) ? p.y : std::min(ylo, p.y);
    yhi = std::isnan(yhi) ? p.y : std::max(yhi, p.y);
  }
  Frame f{panel.width, panel.height, 50, 12, panel.title.empty() ? 10.0 : 24.0, 36};
  const std::vector<double> xt = axis_ticks(panel.x_min, panel.x_max, xlo, xhi, 4);
  const std::vector<double> yt = axis_ticks(panel.y_min, panel.y_max, ylo, yhi, 5);
  f.x0 = xt.front();
  f.x1 = xt.back();
  f.y0 = yt.front();
  f.y1 = yt.back();
  std::string s = open_svg(panel);
  draw_title(s, panel);
  draw_y_axis(s, f, yt, panel.y_label);
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
  for (double t : xt) {
    const std::string x = c2(f.px(t));
    s += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + c2(f.height - f.bottom) + "\" y2=\"" +
         c2(f.height - f.bottom + 4) + "\" stroke=\"#333\"/>";
    s += "<text x=\"" + x + "\" y=\"" + c2(f.height - f.bottom + 15) +
         "\" text-anchor=\"middle\">" + tick_label(t, xstep) + "</text>";
  }
  draw_x_label(s, f, panel.x_label);
  // Series are drawn interleaved in rounds (point j of a series in round j mod kRounds) so that
  // no series hides under the one drawn after it, while each round of a series stays one <g>.
  constexpr std::size_t kRounds = 8;
  std::vector<std::size_t> seen(series.size(), 0);
  std::vector<std::vector<std::string>> dots(kRounds, std::vector<std::string>(series.size()));
  for (const auto& p : points) {
    if (p.series >= series.size() || !finite(p.x) || !finite(p.y)) continue;
    dots[seen[p.series]++ % kRounds][p.series] +=
        "<circle cx=\"" + c1(f.px(p.x)) + "\" cy=\"" + c1(f.py(p.y)) + "\" r=\"2\"/>";
  }
  for (const auto& round : dots) {
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (round[k].empty()) continue;
      s += "<g fill=\"" + series[k].color + "\" fill-opacity=\"0.45\"><title>" +
           escape(series[k].name) + "</title>" + round[k] + "</g>";
    }
  }
  return s + "</svg>";
}

std::string legend(const std::vector<Series>& series) {
  double width = 4;
  for (const auto& k : series) width += 16 + static_cast<double>(k.name.size()) * kCharWidth + 18;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + c2(width) +
                  "\" height=\"20\" viewBox=\"0 0 " + c2(width) +
                  " 20\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" "
                  "role=\"img\"><title>legend</title>";
  double x = 4;
  for (const auto& k : series) {
    s += "<rect x=\"" + c2(x) + "\" y=\"4\" width=\"12\" height=\"12\" fill=\"" + k.color +
         "\" stroke=\"#444\"/>";
    s += "<text x=\"" + c2(x + 16) + "\" y=\"14.5\">" + series_label(k) + "</text>";
    x += 16 + static_cast<double>(k.name.size()) * kCharWidth + 18;
  }
  return s + "</svg>";
}

namespace {

// A log axis: its ends (1, 2 or 5 × 10^k) and ticks, as values.
struct LogAxis {
  double lo = 1, hi = 10;
  std::vector<double> ticks;
};

// v as 1, 2 or 5 × 10^e with the step index k = 3e + {0, 1, 2}; `up`: the smallest such value
// >= v, else the largest <= v (relative tolerance 1e-9, so 1000 computed as 999.9999 is 1000).
long step_125(double v, bool up) {
  const double e = std::floor(std::log10(v));
  const double m = v / std::pow(10.0, e);
  static const double kMantissa[4] = {1, 2, 5, 10};
  long k = 3 * static_cast<long>(e);
  if (up) {
    int i = 0;
    while (i < 3 && m > kMantissa[i] * (1 + 1e-9)) ++i;
    return k + i;
  }
  int i = 3;
  while (i > 0 && m < kMantissa[i] * (1 - 1e-9)) --i;
  return k + i;
}

double value_125(long k) {
  static const double kMantissa[3] = {1, 2, 5};
  const long e = k >= 0 ? k / 3 : -((-k + 2) / 3);
  return kMantissa[k - 3 * e] * std::pow(10.0, static_cast<double>(e));
}

LogAxis log_axis(double fixed_lo, double fixed_hi, double data_lo, double data_hi) {
  auto usable = [](double v) { return finite(v) && v > 0; };
  double lo = usable(fixed_lo) ? fixed_lo : NAN, hi = usable(fixed_hi) ? fixed_hi : NAN;
  if (usable(data_lo)) lo = usable(lo) ? std::min(lo, data_lo) : data_lo;
  if (usable(data_hi)) hi = usable(hi) ? std::max(hi, data_hi) : data_hi;
  if (!usable(lo)) lo = usable(hi) ? hi / 10 : 1;
  if (!usable(hi)) hi = lo * 10;
  if (hi < lo) std::swap(lo, hi);
  long k0 = step_125(lo, false), k1 = step_125(hi, true);
  if (k1 <= k0) --k0, ++k1;
  LogAxis a{value_125(k0), value_125(k1), {}};
  const bool decades = k1 - k0 + 1 > 7;
  for (long k = k0; k <= k1; ++k) {
    const long e = k >= 0 ? k / 3 : -((-k + 2) / 3);
    if (!decades || k == 3 * e) a.ticks.push_back(value_125(k));
  }
  return a;
}

std::string log_tick_label(double v) {
  char buf[48];
  if (v >= 1e9) {
    std::snprintf(buf, sizeof buf, "%gG", v / 1e9);
  } else if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
  } else if (v >= 1e4) {
    std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

void draw_log_axes(std::string& s, const Frame& f, const LogAxis& x, const LogAxis& y,
                   const Panel& p) {
  for (double t : y.ticks) {
    const std::string py = c2(f.py(std::log10(t)));
    s += "<line x1=\"" + c2(f.left) + "\" x2=\"" + c2(f.width - f.right) + "\" y1=\"" + py +
         "\" y2=\"" + py + "\" stroke=\"#e6e6e6\"/>";
    s += "<text x=\"" + c2(f.left - 5) + "\" y=\"" + c2(f.py(std::log10(t)) + 3.5) +
         "\" text-anchor=\"end\">" + log_tick_label(t) + "</text>";
  }
  for (double t : x.ticks) {
    const std::string px = c2(f.px(std::log10(t)));
    s += "<line x1=\"" + px + "\" x2=\"" + px + "\" y1=\"" + c2(f.top) + "\" y2=\"" +
         c2(f.height - f.bottom) + "\" stroke=\"#e6e6e6\"/>";
    s += "<text x=\"" + px + "\" y=\"" + c2(f.height - f.bottom + 14) +
         "\" text-anchor=\"middle\">" + log_tick_label(t) + "</text>";
  }
  const std::string l = c2(f.left), r = c2(f.width - f.right), b = c2(f.height - f.bottom);
  s += "<line x1=\"" + l + "\" x2=\"" + l + "\" y1=\"" + c2(f.top) + "\" y2=\"" + b +
       "\" stroke=\"#333\"/>";
  s +=
      "<line x1=\"" + l + "\" x2=\"" + r + "\" y1=\"" + b + "\" y2=\"" + b + "\" stroke=\"#333\"/>";
  if (!p.y_label.empty()) {
    s += "<text transform=\"translate(12," + c2(f.top + f.plot_h() / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + escape(p.y_label) + "</text>";
  }
  draw_x_label(s, f, p.x_label);
}

}  // namespace

std::string log_log_plot(const Panel& panel, const std::vector<Line>& lines) {
  auto drawable = [](const LinePoint& q) {
    return finite(q.x) && q.x > 0 && finite(q.y) && q.y > 0;
  };
  double xlo = NAN, xhi = NAN, ylo = NAN, yhi = NAN;
  for (const auto& line : lines) {
    for (const auto& q : line.points) {
      if (!drawable(q)) continue;
      xlo = std::isnan(xlo) ? q.x : std::min(xlo, q.x);
      xhi = std::isnan(xhi) ? q.x : std::max(xhi, q.x);
      ylo = std::isnan(ylo) ? q.y : std::min(ylo, q.y);
      yhi = std::isnan(yhi) ? q.y : std::max(yhi, q.y);
    }
  }
  const LogAxis x = log_axis(panel.x_min, panel.x_max, xlo, xhi);
  const LogAxis y = log_axis(panel.y_min, panel.y_max, ylo, yhi);
  // 18 px on the right: the last x label is centred on the axis's end.
  Frame f{panel.width, panel.height, 50, 18, panel.title.empty() ? 10.0 : 24.0, 36};
  f.x0 = std::log10(x.lo);
  f.x1 = std::log10(x.hi);
  f.y0 = std::log10(y.lo);
  f.y1 = std::log10(y.hi);
  std::string s = open_svg(panel);
  draw_title(s, panel);
  draw_log_axes(s, f, x, y, panel);
  for (const auto& line : lines) {
    std::string points, markers;
    for (const auto& q : line.points) {
      if (!drawable(q)) continue;
      const std::string px = c2(f.px(std::log10(q.x))), py = c2(f.py(std::log10(q.y)));
      points += (points.empty() ? "" : " ") + px + "," + py;
      if (!line.markers) continue;
      markers += "<circle cx=\"" + px + "\" cy=\"" + py + "\" r=\"3\" fill=\"" +
                 (q.filled ? line.color : std::string("#fff")) + "\" stroke=\"" + line.color +
                 "\" stroke-width=\"1.3\">" +
                 (q.title.empty() ? std::string() : "<title>" + escape(q.title) + "</title>") +
                 "</circle>";
    }
    if (points.empty()) continue;
    s += "<g><polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + line.color +
         "\" stroke-width=\"1.5\"" +
         (line.dash.empty() ? std::string() : " stroke-dasharray=\"" + line.dash + "\"") + "/>" +
         markers + "</g>";
  }
  return s + "</svg>";
}

std::string line_legend(const std::vector<Series>& series, const std::vector<std::string>& dashes) {
  double width = 4;
  for (const auto& k : series) width += 26 + static_cast<double>(k.name.size()) * kCharWidth + 18;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + c2(width) +
                  "\" height=\"20\" viewBox=\"0 0 " + c2(width) +
                  " 20\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" "
                  "role=\"img\"><title>legend</title>";
  double x = 4;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& k = series[i];
    const std::string dash = i < dashes.size() ? dashes[i] : "";
    s += "<line x1=\"" + c2(x) + "\" x2=\"" + c2(x + 22) + "\" y1=\"10\" y2=\"10\" stroke=\"" +
         k.color + "\" stroke-width=\"2\"" +
         (dash.empty() ? std::string() : " stroke-dasharray=\"" + dash + "\"") + "/>";
    s += "<text x=\"" + c2(x + 26) + "\" y=\"14.5\">" + series_label(k) + "</text>";
    x += 26 + static_cast<double>(k.name.size()) * kCharWidth + 18;
  }
  return s + "</svg>";
}

std::vector<std::array<double, 4>> logo_heights(const std::vector<std::array<double, 4>>& weights) {
  double max_abs = 0;
  for (const auto& w : weights) {
    for (double v : w) {
      if (finite(v)) max_abs = std::max(max_abs, std::abs(v));
    }
  }
  const double beta = max_abs > 0 ? 3.0 / max_abs : 0.0;
  std::vector<std::array<double, 4>> heights(weights.size(), std::array<double, 4>{0, 0, 0, 0});
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const auto& w = weights[i];
    if (!std::all_of(w.begin(), w.end(), [](double v) { return std::isfinite(v); })) continue;
    const double m = *std::max_element(w.begin(), w.end()) * beta;
    std::array<double, 4> p{};
    double sum = 0;
    for (std::size_t b = 0; b < 4; ++b) sum += p[b] = std::exp(beta * w[b] - m);
    double entropy = 0;
    for (auto& v : p) {
      v /= sum;
      if (v > 0) entropy -= v * std::log2(v);
    }
    const double ic = std::max(0.0, 2.0 - entropy);
    for (std::size_t b = 0; b < 4; ++b) heights[i][b] = p[b] * ic;
  }
  return heights;
}

std::string logo(const Panel& panel, const std::vector<std::array<double, 4>>& weights) {
  static const char* const kLetters[4] = {"A", "C", "G", "T"};
  static const char* const kColors[4] = {"#109648", "#255c99", "#f39c12", "#d62839"};
  // Advance widths / font size of bold A, C, G, T (between Arial's and DejaVu Sans's): letters
  // are scaled explicitly rather than with textLength, which not every SVG renderer honours.
  static const double kAdvance[4] = {0.75, 0.73, 0.80, 0.65};
  Frame f{panel.width, panel.height, 34, 6, panel.title.empty() ? 8.0 : 22.0, 22};
  f.x0 = 0;
  f.x1 = static_cast<double>(std::max<std::size_t>(1, weights.size()));
  f.y0 = 0;
  f.y1 = 2;
  std::string s = open_svg(panel);
  draw_title(s, panel);
  draw_y_axis(s, f, {0, 1, 2}, panel.y_label);
  const std::size_t every = weights.size() <= 16 ? 1 : 5;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if ((i + 1) % every != 0 && i != 0) continue;
    s += "<text x=\"" + c2(f.px(static_cast<double>(i) + 0.5)) + "\" y=\"" +
         c2(f.height - f.bottom + 12) + "\" text-anchor=\"middle\" font-size=\"9\">" +
         std::to_string(i + 1) + "</text>";
  }
  const auto heights = logo_heights(weights);
  const double col = f.plot_w() / f.x1;
  s += "<g font-family=\"Arial, Helvetica, sans-serif\" font-weight=\"bold\" font-size=\"100\" "
       "text-anchor=\"middle\">";
  for (std::size_t i = 0; i < heights.size(); ++i) {
    std::array<std::size_t, 4> order{0, 1, 2, 3};
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return heights[i][a] < heights[i][b]; });
    double y = f.py(0);
    for (std::size_t b : order) {
      const double h = f.py(0) - f.py(heights[i][b]);
      if (!(h >= 0.25)) continue;
      const double x = f.px(static_cast<double>(i) + 0.5);
      s += "<text transform=\"translate(" + c2(x) + "," + c2(y) + ") scale(" +
           value_text(col * 0.92 / (100 * kAdvance[b])) + "," + value_text(h / (100 * kCapHeight)) +
           ")\" fill=\"" + kColors[b] + "\">" + kLetters[b] + "</text>";
      y -= h;
    }
  }
  return s + "</g></svg>";
}

}  // namespace svg

}  // namespace mint
