// The plotting module (pipeline/report/svg.hpp) on its own: tick positions, escaping, logo
// heights, and that boxes, bars and points with a non-finite coordinate are left out.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "html_checks.hpp"
#include "pipeline/report/svg.hpp"

namespace mint {
namespace {

using test::count;
using test::draws_non_finite;

TEST(Svg, NiceTicks) {
  EXPECT_EQ(svg::nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{
           {0.03, 0.97}, {-3, 17}, {0, 0.0042}, {5, 5}, {0, 0}, {1e6, 3e6}, {-1, -0.5}}) {
    const auto t = svg::nice_ticks(lo, hi);
    ASSERT_GE(t.size(), 2u) << lo << " " << hi;
    EXPECT_LE(t.front(), lo);
    EXPECT_GE(t.back(), hi);
    EXPECT_LE(t.size(), 12u);
    for (std::size_t i = 1; i < t.size(); ++i) EXPECT_GT(t[i], t[i - 1]);
  }
  const auto t = svg::nice_ticks(NAN, 1);
  EXPECT_TRUE(std::isfinite(t.front()) && std::isfinite(t.back()));
}

TEST(Svg, Escape) {
  EXPECT_EQ(svg::escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(svg::escape(""), "");
}

TEST(Svg, LogoHeights) {
  // Uniform weights carry no information; one dominant base carries the most; never > 2 bits.
  const auto h = svg::logo_heights({{0, 0, 0, 0}, {1, -1, -1, -1}, {0.1, 0, 0, 0}, {NAN, 0, 0, 0}});
  ASSERT_EQ(h.size(), 4u);
  auto total = [](const std::array<double, 4>& a) { return a[0] + a[1] + a[2] + a[3]; };
  EXPECT_NEAR(total(h[0]), 0, 1e-12);
  EXPECT_GT(total(h[1]), 1.0);
  EXPECT_LE(total(h[1]), 2.0);
  EXPECT_GT(h[1][0], 10 * h[1][1]);
  EXPECT_LT(total(h[2]), 0.05);  // small relative to the filter's scale
  EXPECT_EQ(total(h[3]), 0);
  // Independent of the filter's overall scale.
  const auto h2 = svg::logo_heights({{0, 0, 0, 0}, {10, -10, -10, -10}, {1, 0, 0, 0}});
  EXPECT_NEAR(total(h2[1]), total(h[1]), 1e-12);
  EXPECT_TRUE(svg::logo_heights({}).empty());
  const std::string s = svg::logo(svg::Panel{}, {{1, -1, -1, -1}, {-1, 1, -1, -1}});
  EXPECT_NE(s.find(">A</text>"), std::string::npos);
  EXPECT_NE(s.find(">C</text>"), std::string::npos);
  EXPECT_FALSE(draws_non_finite(s));
}

TEST(Svg, NonFiniteValuesAreNotDrawn) {
  // The checker itself.
  EXPECT_TRUE(draws_non_finite("<line x1=\"0\" y2=\"NaN\"/>"));
  EXPECT_TRUE(draws_non_finite("<text transform=\"translate(1,-inf)\">"));
  EXPECT_FALSE(draws_non_finite("<text x=\"1\">nan</text>"));
  const std::vector<svg::Series> series = {{"M_w", "#4c72b0", ""}, {"M_wo", "#dd8452", ""}};
  svg::Box good{0.1, 0.3, 0.5, 0.7, 0.9, 10};
  svg::Box bad{NAN, 0.3, 0.5, 0.7, 0.9, 10};
  const std::string box =
      svg::box_plot(svg::Panel{}, {"1", "2"}, series, {{good, bad}, {std::nullopt, good}});
  EXPECT_EQ(count(box, "<rect "), 2u);
  EXPECT_FALSE(draws_non_finite(box));
  svg::Panel free_axis;
  free_axis.y_min = NAN;
  free_axis.y_max = NAN;
  const std::string bars =
      svg::bar_chart(free_axis, {"a", "b"}, series, {{0.5, NAN}, {INFINITY, -0.25}});
  EXPECT_EQ(count(bars, "<rect "), 2u);
  EXPECT_FALSE(draws_non_finite(bars));
  const std::string empty = svg::box_plot(free_axis, {}, series, {});
  EXPECT_FALSE(draws_non_finite(empty));
  const std::string dots = svg::scatter(
      free_axis, series, {{0.1, 0.2, 0}, {NAN, 0.2, 1}, {0.3, INFINITY, 1}, {2, 3, 1}});
  EXPECT_EQ(count(dots, "<circle "), 2u);
  EXPECT_FALSE(draws_non_finite(dots));
  EXPECT_FALSE(draws_non_finite(svg::scatter(free_axis, series, {})));
  EXPECT_NE(svg::legend(series).find("M_wo"), std::string::npos);
}

}  // namespace
}  // namespace mint
