// The experiment report (pipeline/report/report.hpp): a synthetic experiment directory with every
// table of docs/experiment.md is turned into a page that is checked for structure (balanced
// tags, every section, every motif, every TSV linked, nothing non-finite drawn), escaping,
// missing tables (a note), malformed tables (an error naming file:line), determinism, the
// Fig. 3B subsampling, and models named otherwise than the paper's; a stream's directory
// (`mint stream`) with its own section: the CI width against N on log-log axes and the pooled
// AUPRC's bounds. The SVG helpers on their own: test_svg.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "html_checks.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/report/report.hpp"
#include "pipeline/tables.hpp"
#include "test_util.hpp"

namespace mint {
namespace {

namespace fs = std::filesystem;
using test::count;
using test::draws_non_finite;

const std::vector<std::string> kTables = {
    "accuracy_by_count.tsv", "accuracy_by_pair.tsv",  "regression_binned.tsv", "auprc.tsv",
    "auprc_summary.tsv",     "auprc_differences.tsv", "filters.tsv",           "training.tsv"};

const std::vector<std::string> kMethods = {"ig", "deeplift", "fp"};
const std::vector<std::string> kEffects = {"additive", "enhancing", "inhibiting", "quadratic"};

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string num(double x) {
  if (std::isnan(x)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

// Deterministic values in (0, 1) for synthetic tables.
double wobble(int i) { return 0.5 + 0.45 * std::sin(1.7 * i + 0.3); }

struct Options {
  std::string experiment = "all";
  std::vector<std::string> motifs = {"CREB1", "NHLH1", "ETS1", "TEAD1"};
  bool regression = true;
  std::vector<std::string> classifiers = {"M_w", "M_wo"};  // the models of accuracy_by_*
  std::vector<std::string> effects = kEffects;             // the effects of regression_binned
};

// A complete experiment directory for one set (distinct_1) with 4 filters.
std::string make_experiment(const std::string& name, const Options& o = {}) {
  const std::string dir = test::scratch_dir(name);
  fs::create_directories(dir + "/tables");
  write(dir + "/config.json",
        "{\"experiment\": \"" + o.experiment +
            "\", \"size\": \"quick\", \"sets\": [\"distinct_1\"], \"filters\": [4], \"seeds\": 2, "
            "\"methods\": [\"ig\", \"deeplift\", \"fp\"], \"length\": 250, \"note\": \"a<b\"}\n");
  const std::string key = "distinct_1\t4\t";
  const std::vector<std::string>& cls = o.classifiers;
  const int M = static_cast<int>(o.motifs.size());
  int k = 0;

  std::string t = "set\tfilters\tmodel\tn_present\tsequences\taccuracy\n";
  for (const auto& m : cls) {
    for (int n = 0; n <= M; ++n) {
      t += key + m + "\t" + std::to_string(n) + "\t" + std::to_string(100 + n) + "\t" +
           (m == cls[0] && n == M ? "0.9485" : num(wobble(k++))) + "\n";
    }
  }
  write(dir + "/tables/accuracy_by_count.tsv", t);

  t = "set\tfilters\tmodel\tpair\tsequences\taccuracy\n";
  for (const auto& m : cls) {
    for (int a = 0; a < M; ++a) {
      for (int b = a + 1; b < M; ++b) {
        t += key + m + "\t" + o.motifs[a] + "+" + o.motifs[b] + "\t50\t" + num(wobble(k++)) + "\n";
      }
    }
  }
  write(dir + "/tables/accuracy_by_pair.tsv", t);

  std::vector<std::string> models = cls;
  if (o.regression) {
    models.insert(models.end(), o.effects.begin(), o.effects.end());
    t = "set\tfilters\teffect\tn_present\tsequences\tbinned_accuracy\tmean_abs_error\n";
    for (const auto& e : o.effects) {
      for (int n = 0; n <= M; ++n) {
        const double acc = wobble(k++), err = wobble(k++) * 0.3;
        t += key + e + "\t" + std::to_string(n) + "\t200\t" + num(acc) + "\t" + num(err) + "\n";
      }
    }
    write(dir + "/tables/regression_binned.tsv", t);
  }

  t = "set\tfilters\tmodel\tmethod\tmotif\tn_present\tsequence\tauprc\taverage_precision\tauroc\t"
      "abs_error\n";
  std::string s =
      "set\tfilters\tmodel\tmethod\tmotif\tn_present\tsequences\tmedian\tq1\tq3\tmean\tmedian_lo\t"
      "median_hi\tpooled_auprc\twhisker_lo\twhisker_hi\n";
  std::string d = "set\tfilters\tmethod\tmotif\tn_present\tpairs\tdelta_median\tlo\thi\n";
  for (const auto& m : models) {
    const bool reg = std::find(cls.begin(), cls.end(), m) == cls.end();
    for (const auto& method : kMethods) {
      for (const auto& motif : o.motifs) {
        for (int n = 1; n <= M; ++n) {
          for (int q = 0; q < 3; ++q) {
            const double auprc = wobble(k++), err = reg ? wobble(k++) : NAN;
            t += key + m + "\t" + method + "\t" + motif + "\t" + std::to_string(n) + "\t" +
                 std::to_string(q) + "\t" + num(auprc) + "\t0.5\t0.6\t" + num(err) + "\n";
          }
          const double med = wobble(k++);
          const bool holey = m == cls[1] && method == "fp" && n == 1;  // NaN CI and whiskers
          s += key + m + "\t" + method + "\t" + motif + "\t" + std::to_string(n) + "\t30\t" +
               num(med) + "\t" + num(med * 0.8) + "\t" + num(med * 1.1) + "\t" + num(med) + "\t" +
               (holey ? "nan\tnan" : num(med * 0.95) + "\t" + num(med * 1.05)) + "\t" + num(med) +
               "\t" + (holey ? "nan" : num(med * 0.5)) + "\t" + num(std::min(1.0, med * 1.3)) +
               "\n";
        }
      }
    }
  }
  for (const auto& method : kMethods) {
    for (const auto& motif : o.motifs) {
      for (int n = 1; n <= M; ++n) {
        const double delta = wobble(k++) - 0.5;
        d += key + method + "\t" + motif + "\t" + std::to_string(n) + "\t30\t" + num(delta) + "\t" +
             num(delta - 0.05) + "\t" + num(delta + 0.05) + "\n";
      }
    }
  }
  write(dir + "/tables/auprc.tsv", t);
  write(dir + "/tables/auprc_summary.tsv", s);
  write(dir + "/tables/auprc_differences.tsv", d);

  t = "set\tfilters\tmodel\tfilter\tposition\tA\tC\tG\tT\n";
  for (const auto& m : models) {
    const int nf = m == "additive" ? 10 : 4;  // 10 filters: the 8 largest are shown
    for (int f = 0; f < nf; ++f) {
      for (int p = 0; p < 6; ++p) {
        t += key + m + "\t" + std::to_string(f) + "\t" + std::to_string(p);
        for (int b = 0; b < 4; ++b) t += "\t" + num((b == (f + p) % 4 ? 1.0 : -0.3) * (f + 1));
        t += "\n";
      }
    }
  }
  write(dir + "/tables/filters.tsv", t);

  t = "set\tfilters\tmodel\tseed\tepochs\tbest_epoch\tvalid_loss\tvalid_metric\n";
  for (const auto& m : models) {
    for (int seed = 1; seed <= 2; ++seed) {
      t += key + m + "\t" + std::to_string(seed) + "\t12\t7\t0.31\t0.9\n";
    }
  }
  write(dir + "/tables/training.tsv", t);
  return dir;
}

std::string render(const std::string& dir) {
  write_report(dir);
  return read_file(dir + "/report.html");
}

std::string error_of(const std::string& dir) {
  try {
    write_report(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Table 6's two totals: weighted by sequences (here equal per count) and by presence subset
// (count k of 4 motifs weighs C(4, k) / 16, the paper's data).
TEST(Report, RegressionTotalsBySequenceAndBySubset) {
  const std::string dir = make_experiment("report_totals");
  std::string t = "set\tfilters\teffect\tn_present\tsequences\tbinned_accuracy\tmean_abs_error\n";
  const double acc[5] = {0.2, 0.6, 0.7, 0.8, 1.0};
  for (int n = 0; n <= 4; ++n) {
    t += "distinct_1\t4\tadditive\t" + std::to_string(n) + "\t100\t" + num(acc[n]) + "\t0.1\n";
  }
  write(dir + "/tables/regression_binned.tsv", t);
  const std::string html = render(dir);
  const std::size_t total = html.find("<th>Total</th>");
  const std::size_t by_subset = html.find("<th>Total, by subset</th>");
  ASSERT_NE(total, std::string::npos);
  ASSERT_NE(by_subset, std::string::npos);
  EXPECT_LT(html.find(">0.6600<", total), by_subset);              // 3.3 / 5
  EXPECT_NE(html.find(">0.6875<", by_subset), std::string::npos);  // 11 / 16
}

TEST(Report, WritesCompletePage) {
  const std::string dir = make_experiment("report_full");
  const std::string html = render(dir);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* tag : {"svg", "table", "figure", "section", "details", "g", "text"}) {
    EXPECT_EQ(count(html, std::string("<") + tag + " ") + count(html, std::string("<") + tag + ">"),
              count(html, std::string("</") + tag + ">"))
        << tag;
  }
  EXPECT_GT(count(html, "<svg "), 20u);
  EXPECT_FALSE(draws_non_finite(html));
  // Self-contained: no scripts, nothing fetched.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(count(html, "http://"), count(html, "http://www.w3.org/2000/svg"));
  for (const char* motif : {"CREB1", "NHLH1", "ETS1", "TEAD1"}) {
    EXPECT_NE(html.find(motif), std::string::npos) << motif;
  }
  for (const char* title :
       {"Accuracy by number of motifs present", "Accuracy per motif pair", "First-layer filters",
        "Motif detection: AUPRC", "Negatives experiment", "Interaction effects",
        "Binned accuracy of the regression models", "Motif detection per interaction effect",
        "AUPRC vs absolute error", "Training", "config.json", "distinct_1, 4 filters"}) {
    EXPECT_NE(html.find(title), std::string::npos) << title;
  }
  for (const auto& table : kTables) {
    EXPECT_NE(html.find("href=\"tables/" + table + "\""), std::string::npos) << table;
  }
  // A number in a table links to its TSV; the config is shown escaped.
  EXPECT_NE(
      html.find("<a href=\"tables/accuracy_by_count.tsv\" title=\"104 sequences\">0.9485</a>"),
      std::string::npos);
  EXPECT_NE(html.find("a&lt;b"), std::string::npos);
  EXPECT_EQ(html.find("\"a<b\""), std::string::npos);
  EXPECT_EQ(html.find("missing"), std::string::npos);
  // Integrated Gradients etc. by name; the 10-filter model shows only 8 logos.
  EXPECT_NE(html.find("Integrated Gradients"), std::string::npos);
  EXPECT_NE(html.find("Of 10 filters the 8 with the largest weight norm are shown"),
            std::string::npos);
}

// Models named otherwise than the paper's (`mint evaluate --name mine`) are sorted by the tables
// they have rows in: accuracy_by_* holds the classifiers, regression_binned the regression models.
TEST(Report, ModelKindsComeFromTheTables) {
  Options o;
  o.classifiers = {"mine", "theirs"};
  o.effects = {"myreg"};
  const std::string dir = make_experiment("report_kinds", o);
  const std::string html = render(dir);
  auto between = [&](const std::string& from, const std::string& to) {
    const auto a = html.find(from), b = html.find(to, a);
    EXPECT_NE(a, std::string::npos) << from;
    EXPECT_NE(b, std::string::npos) << to;
    return a == std::string::npos || b == std::string::npos ? std::string() : html.substr(a, b - a);
  };
  for (const std::string& part :
       {between("Accuracy by number of motifs present", "<h4 class=\"exp\">Interaction effects"),
        between("Motif detection: AUPRC", "<h4 class=\"exp\">Interaction effects")}) {
    EXPECT_NE(part.find(">mine<"), std::string::npos);
    EXPECT_NE(part.find(">theirs<"), std::string::npos);
    EXPECT_EQ(part.find("myreg"), std::string::npos);
  }
  const std::string effects =
      between("Motif detection per interaction effect", "AUPRC vs absolute error");
  EXPECT_NE(effects.find(">myreg<"), std::string::npos);
  const std::string scatter = between("AUPRC vs absolute error", "<details><summary>Training");
  EXPECT_NE(scatter.find("myreg · Integrated Gradients"), std::string::npos);
  for (const std::string& part : {effects, scatter}) {
    for (const char* name : {">mine<", ">theirs<", "mine, ", "theirs, ", "mine · ", "theirs · "}) {
      EXPECT_EQ(part.find(name), std::string::npos) << name;
    }
  }
  // Δ is not M_w − M_wo here: the caption names what it is.
  EXPECT_NE(
      html.find("compared by <code>mint score --compare</code>, the first column minus the second"),
      std::string::npos);
  EXPECT_EQ(html.find("M<sub>w</sub> − M<sub>wo</sub>"), std::string::npos);
  EXPECT_FALSE(draws_non_finite(html));
  EXPECT_NE(render(make_experiment("report_kinds_paper")).find("M<sub>w</sub> − M<sub>wo</sub>"),
            std::string::npos);
}

TEST(Report, IsDeterministic) {
  const std::string dir = make_experiment("report_determinism");
  const std::string a = render(dir);
  EXPECT_EQ(a, render(dir));
}

TEST(Report, EscapesNamesFromFiles) {
  Options o;
  o.motifs = {"CREB1", "T<E>A&D1", "ETS1"};
  const std::string dir = make_experiment("report_escape", o);
  const std::string html = render(dir);
  EXPECT_NE(html.find("T&lt;E&gt;A&amp;D1"), std::string::npos);
  EXPECT_EQ(html.find("T<E>"), std::string::npos);
  EXPECT_EQ(html.find("A&D1"), std::string::npos);
  EXPECT_EQ(count(html, "<svg "), count(html, "</svg>"));
}

TEST(Report, MotifsFollowTheSetOrderOfThePairNames) {
  // The runner sorts its tables by name; the pair names keep the set's order (ZETA, ALPHA, MID).
  Options o;
  o.motifs = {"ZETA", "ALPHA", "MID"};
  const std::string dir = make_experiment("report_order", o);
  std::istringstream in(read_file(dir + "/tables/auprc_summary.tsv"));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string sorted = header + "\n";
  for (const auto& l : lines) sorted += l + "\n";
  write(dir + "/tables/auprc_summary.tsv", sorted);
  const std::string html = render(dir);
  const auto zeta = html.find("<th>ZETA</th>"), alpha = html.find("<th>ALPHA</th>"),
             mid = html.find("<th>MID</th>");
  ASSERT_NE(zeta, std::string::npos);
  EXPECT_LT(zeta, alpha);
  EXPECT_LT(alpha, mid);
  EXPECT_LT(html.find("ZETA · Integrated Gradients"), html.find("ALPHA · Integrated Gradients"));
  EXPECT_LT(html.find("ZETA+<br>ALPHA"), html.find("ALPHA+<br>MID"));
}

TEST(Report, MissingTablesAreSkippedWithANote) {
  const std::string dir = make_experiment("report_missing");
  fs::remove(dir + "/tables/regression_binned.tsv");
  fs::remove(dir + "/tables/auprc.tsv");
  fs::remove(dir + "/tables/filters.tsv");
  const std::string html = render(dir);
  for (const char* file : {"regression_binned.tsv", "auprc.tsv", "filters.tsv"}) {
    EXPECT_NE(html.find(std::string("<code>tables/") + file + "</code> is missing"),
              std::string::npos)
        << file;
    EXPECT_EQ(html.find(std::string("href=\"tables/") + file + "\""), std::string::npos) << file;
  }
  EXPECT_NE(html.find("Motif detection: AUPRC"), std::string::npos);  // the rest is still there
  EXPECT_FALSE(draws_non_finite(html));
}

TEST(Report, NegativesOnlyRun) {
  Options o;
  o.experiment = "negatives";
  o.regression = false;
  const std::string dir = make_experiment("report_negatives", o);
  const std::string html = render(dir);
  EXPECT_NE(html.find("Interaction-effects experiment: not part of this run"), std::string::npos);
  EXPECT_EQ(html.find("<h4 class=\"exp\">Interaction effects"), std::string::npos);
  EXPECT_NE(html.find("Negatives experiment"), std::string::npos);
}

TEST(Report, MissingConfigIsANote) {
  const std::string dir = make_experiment("report_noconfig");
  fs::remove(dir + "/config.json");
  const std::string html = render(dir);
  EXPECT_NE(html.find("<code>config.json</code> is missing"), std::string::npos);
  EXPECT_NE(html.find("NHLH1"), std::string::npos);
}

TEST(Report, MalformedTablesNameFileAndLine) {
  {
    const std::string dir = make_experiment("report_bad_count");
    std::string t = read_file(dir + "/tables/accuracy_by_count.tsv");
    const auto second = t.find('\n', t.find('\n') + 1);  // end of line 2
    t.insert(second, "\textra");
    write(dir + "/tables/accuracy_by_count.tsv", t);
    const std::string e = error_of(dir);
    EXPECT_NE(e.find("tables/accuracy_by_count.tsv:2: has 7 fields, expected 6"), std::string::npos)
        << e;
  }
  {
    const std::string dir = make_experiment("report_bad_number");
    const std::string row = "distinct_1\t4\tM_w\tig\tCREB1\t4\t30\t";
    const std::string rest = "\t0.4\t0.6\t0.5\t0.45\t0.55\t0.5\t0.2\t0.9\n";
    write(dir + "/tables/auprc_summary.tsv",
          "set\tfilters\tmodel\tmethod\tmotif\tn_present\tsequences\tmedian\tq1\tq3\tmean\t"
          "median_lo\tmedian_hi\tpooled_auprc\twhisker_lo\twhisker_hi\n" +
              row + "0.5" + rest + row + "0.5x" + rest);
    const std::string e = error_of(dir);
    EXPECT_NE(e.find("tables/auprc_summary.tsv:3: column 'median': '0.5x' is not a number"),
              std::string::npos)
        << e;
  }
  {
    const std::string dir = make_experiment("report_bad_integer");
    write(dir + "/tables/regression_binned.tsv",
          "set\tfilters\teffect\tn_present\tsequences\tbinned_accuracy\tmean_abs_error\n"
          "distinct_1\t4\tadditive\t1.5\t10\t0.5\t0.1\n");
    const std::string e = error_of(dir);
    EXPECT_NE(e.find("regression_binned.tsv:2: column 'n_present': '1.5' is not an integer"),
              std::string::npos)
        << e;
  }
  {
    const std::string dir = make_experiment("report_bad_column");
    write(dir + "/tables/training.tsv", "set\tfilters\tmodel\tseed\n");
    const std::string e = error_of(dir);
    EXPECT_NE(e.find("training.tsv:1: missing column 'epochs'"), std::string::npos) << e;
  }
  {
    const std::string dir = make_experiment("report_bad_auprc");  // the streamed table
    std::string t = read_file(dir + "/tables/auprc.tsv");
    t += "distinct_1\t4\tadditive\tig\tCREB1\t4\t9\t0.5\t0.5\n";
    write(dir + "/tables/auprc.tsv", t);
    const std::string e = error_of(dir);
    EXPECT_NE(e.find("tables/auprc.tsv:"), std::string::npos) << e;
    EXPECT_NE(e.find("has 9 fields, expected 11"), std::string::npos) << e;
  }
  {
    const std::string dir = make_experiment("report_empty");
    write(dir + "/tables/filters.tsv", "");
    EXPECT_NE(error_of(dir).find("filters.tsv:1: empty file"), std::string::npos);
  }
  {
    const std::string dir = make_experiment("report_bad_config");
    write(dir + "/config.json", "{\"experiment\": ");
    EXPECT_NE(error_of(dir).find("config.json: not valid JSON"), std::string::npos);
  }
  EXPECT_NE(error_of("/nonexistent/mint_report_dir").find("not a directory"), std::string::npos);
}

TEST(Report, ScatterIsSubsampledDeterministically) {
  Options o;
  const std::string dir = make_experiment("report_scatter", o);
  std::string t =
      "set\tfilters\tmodel\tmethod\tmotif\tn_present\tsequence\tauprc\taverage_precision\tauroc\t"
      "abs_error\n";
  for (int i = 0; i < 5000; ++i) {
    t += "distinct_1\t4\tquadratic\tig\t" + o.motifs[static_cast<std::size_t>(i % 4)] + "\t4\t" +
         std::to_string(i) + "\t" + num(wobble(i)) + "\t0.5\t0.5\t" + num(wobble(i + 7)) + "\n";
  }
  for (int i = 0; i < 10; ++i) {  // fewer motifs present: not in Fig. 3B
    t += "distinct_1\t4\tquadratic\tig\tCREB1\t2\t" + std::to_string(i) + "\t0.5\t0.5\t0.5\t0.1\n";
  }
  write(dir + "/tables/auprc.tsv", t);
  const std::string html = render(dir);
  EXPECT_EQ(count(html, "<circle "), 2000u);
  EXPECT_NE(html.find("show every k-th row"), std::string::npos);
  EXPECT_FALSE(draws_non_finite(html));
}

// ---- a stream's directory -----------------------------------------------------------------------

// The section of one (set, filters) in the page: from its <section> to its end.
std::string section_of(const std::string& html, const std::string& id) {
  const auto a = html.find("<section id=\"" + id + "\">");
  if (a == std::string::npos) return "";
  return html.substr(a, html.find("</section>", a) - a);
}

// The points of the polylines of one SVG, as (x, y) per polyline.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
  std::vector<std::vector<std::pair<double, double>>> out;
  const std::string open = "<polyline points=\"";
  for (auto p = svg.find(open); p != std::string::npos; p = svg.find(open, p + 1)) {
    std::istringstream in(
        svg.substr(p + open.size(), svg.find('"', p + open.size()) - p - open.size()));
    out.emplace_back();
    double x = 0, y = 0;
    char comma = 0;
    while (in >> x >> comma >> y) out.back().push_back({x, y});
  }
  return out;
}

// The <svg> element whose title is `title`.
std::string svg_titled(const std::string& html, const std::string& title) {
  const auto t = html.find("role=\"img\"><title>" + title + "</title>");
  if (t == std::string::npos) return "";
  const auto a = html.rfind("<svg ", t);
  return html.substr(a, html.find("</svg>", t) + 6 - a);
}

// What `mint stream` leaves for one set with 32 filters: stream/, accuracy, and its own tables.
// The CI widths are 0.4/√N (M_w) and 0.6/√N (M_wo) around 0.5, so on log-log axes a line's
// points at N = 100, 1000, 10000 are evenly spaced, with the slope of the 1/√N guide; ETS1 with
// 2 motifs present has a width of 0 at its N (M_wo), which a log axis cannot draw.
std::string make_stream(const std::string& name) {
  const std::string dir = test::scratch_dir(name);
  fs::create_directories(dir + "/stream");
  Tables t;
  const std::string set = "distinct_1", F = "32";
  for (const std::string model : {"M_w", "M_wo"}) {
    for (int n = 0; n <= 2; ++n) {
      t[layouts::accuracy_by_count()].add({set, F, model, std::to_string(n), "1000", "0.9"});
    }
    const double scale = model == "M_w" ? 0.4 : 0.6;
    for (const std::string motif : {"CREB1", "ETS1"}) {
      for (int n = 1; n <= 2; ++n) {
        const long N = n == 1 ? 10000 : 2500;
        for (long m : {100L, 1000L, N}) {
          const bool zero = model == "M_wo" && motif == "ETS1" && n == 2 && m == N;
          const double w = zero ? 0 : scale / std::sqrt(static_cast<double>(m));
          t[layouts::convergence()].add({set, F, model, "deeplift", motif, std::to_string(n),
                                         std::to_string(m), format_number(zero ? 1 : 0.5 - w / 2),
                                         format_number(zero ? 1 : 0.5 + w / 2), format_number(w)});
        }
        const bool first = model == "M_w" && motif == "CREB1" && n == 1;
        t[layouts::pooled_bounds()].add({set, F, model, "deeplift", motif, std::to_string(n),
                                         "7500", "148750", first ? "0.634195" : "0.5",
                                         first ? "0.000161514" : "0.0003"});
      }
    }
  }
  write_tables(dir, t);
  return dir;
}

TEST(Report, StreamSectionDrawsConvergenceAndPooledBounds) {
  const std::string dir = make_stream("report_stream");
  const std::string html = render(dir);
  for (const char* tag : {"svg", "table", "figure", "section", "details", "g", "tr"}) {
    EXPECT_EQ(count(html, std::string("<") + tag + " ") + count(html, std::string("<") + tag + ">"),
              count(html, std::string("</") + tag + ">"))
        << tag;
  }
  EXPECT_FALSE(draws_non_finite(html));
  const std::string section = section_of(html, "s0-f32");
  const auto stream_at = section.find("<h4 class=\"exp\" id=\"s0-f32-stream\">Large-sample stream");
  ASSERT_NE(stream_at, std::string::npos);
  const std::string stream = section.substr(stream_at);
  EXPECT_NE(html.find("<a href=\"#s0-f32-stream\">large-sample stream</a>"), std::string::npos);
  // The stream's precision, stated in the section.
  for (const char* text :
       {"within 2<sup>−16</sup> of the exact ones", "histogram of 2<sup>16</sup> bins",
        "estimated by its bin's mean (exact when a bin's values are equal)",
        "in-stream Poisson bootstrap", "2<sup>10</sup>-bin resample histograms",
        "CI endpoints within 2<sup>−10</sup>", "m-out-of-n", "1/√N",
        "top 20 bits of the float32 (relative resolution 2<sup>−11</sup>)",
        "scikit-learn's for the binned scores",
        "A width of 0 (every resample has the same median) cannot be drawn"}) {
    EXPECT_NE(stream.find(text), std::string::npos) << text;
  }
  // The plot: a panel per motif × motifs present, on shared log axes (10k on every panel).
  for (const char* title :
       {"CREB1 · 1 present", "CREB1 · 2 present", "ETS1 · 1 present", "ETS1 · 2 present"}) {
    const std::string panel = svg_titled(stream, title);
    ASSERT_FALSE(panel.empty()) << title;
    EXPECT_NE(panel.find(">10k</text>"), std::string::npos) << title;
    EXPECT_NE(panel.find(">100</text>"), std::string::npos) << title;
  }
  // CREB1 · 1: M_w at N = 100, 1000, 10000 and width 0.4/√N: evenly spaced on log-log axes,
  // the width falling (y grows downwards), parallel to the 1/√N guide (the last polyline).
  const auto lines = polylines(svg_titled(stream, "CREB1 · 1 present"));
  ASSERT_EQ(lines.size(), 3u);  // M_w, M_wo, the guide
  const auto& w = lines[0];
  ASSERT_EQ(w.size(), 3u);
  EXPECT_GT(w[1].first - w[0].first, 20);
  EXPECT_NEAR(w[1].first - w[0].first, w[2].first - w[1].first, 0.02);
  EXPECT_GT(w[1].second - w[0].second, 10);
  EXPECT_NEAR(w[1].second - w[0].second, w[2].second - w[1].second, 0.02);
  const auto& guide = lines[2];
  ASSERT_EQ(guide.size(), 2u);
  EXPECT_NEAR((guide[1].second - guide[0].second) / (guide[1].first - guide[0].first),
              (w[2].second - w[0].second) / (w[2].first - w[0].first), 1e-3);
  // Markers: hollow below the stream's N, filled at it, with their numbers as hover text.
  EXPECT_NE(stream.find("<title>M_w · DeepLIFT, 1000 of 10000 sequences: CI of the median "
                        "[0.4937, 0.5063], width 0.0126</title>"),
            std::string::npos);
  EXPECT_NE(stream.find("<title>M_w · DeepLIFT, 10000 sequences (the stream&#39;s N): CI of the "
                        "median [0.4980, 0.5020], width 0.00400</title>"),
            std::string::npos);
  // ETS1 · 2, M_wo: the width-0 point is left out, its line keeps the other two.
  const auto ets = polylines(svg_titled(stream, "ETS1 · 2 present"));
  ASSERT_EQ(ets.size(), 3u);
  EXPECT_EQ(ets[1].size(), 2u);
  // The convergence table: every number links to its TSV; widths at the smaller N in columns.
  const std::string conv = "<a href=\"tables/auprc_convergence.tsv\"";
  EXPECT_NE(stream.find(conv + " title=\"10000 sequences\">[0.4980, 0.5020]</a>"),
            std::string::npos);
  EXPECT_NE(stream.find(conv + " title=\"10000 sequences\">0.00400</a>"), std::string::npos);
  EXPECT_NE(stream.find(conv + " title=\"100 of 10000 sequences: CI [0.4800, 0.5200]\">0.0400</a>"),
            std::string::npos);
  EXPECT_NE(stream.find(conv + " title=\"2500 sequences\">0.00</a>"), std::string::npos);
  EXPECT_NE(stream.find("<th colspan=\"2\">CI width at N =</th>"), std::string::npos);
  EXPECT_NE(stream.find("(8 groups)"), std::string::npos);
  // The pooled AUPRC with its bound.
  EXPECT_NE(stream.find("<a href=\"tables/pooled_bounds.tsv\" title=\"7500 motif and 148750 "
                        "background positions; |binned − unbinned| ≤ 0.000162\">0.6342<br><span "
                        "class=\"ci\">± 0.00016</span></a>"),
            std::string::npos);
  // The page around it reads as a stream's.
  EXPECT_NE(html.find("<h1>mint stream report</h1>"), std::string::npos);
  EXPECT_NE(html.find("These results come from <code>mint stream</code>"), std::string::npos);
  EXPECT_NE(html.find("<code>mint stream</code> writes no <code>config.json</code>"),
            std::string::npos);
  for (const char* table : {"auprc_convergence.tsv", "pooled_bounds.tsv"}) {
    EXPECT_NE(html.find(std::string("<a href=\"tables/") + table + "\">"), std::string::npos);
  }
  EXPECT_NE(html.find("tables/auprc.tsv (not written by mint stream)"), std::string::npos);
  EXPECT_NE(html.find("<code>tables/filters.tsv</code> is not written by <code>mint "
                      "stream</code>: filter logos (Fig. 2C) skipped."),
            std::string::npos);
}

// The section is shown only for a (set, filters) with rows in the stream's tables.
TEST(Report, StreamSectionOnlyWhereItsTablesHaveRows) {
  const std::string plain = render(make_experiment("report_no_stream"));
  EXPECT_EQ(plain.find("Large-sample stream"), std::string::npos);
  EXPECT_EQ(plain.find("auprc_convergence"), std::string::npos);
  EXPECT_EQ(plain.find("mint stream"), std::string::npos);

  // pooled_bounds only, for another set: that set's section has it, distinct_1's does not.
  const std::string dir = make_experiment("report_other_stream");
  Tables t;
  t[layouts::pooled_bounds()].add(
      {"other", "4", "M_w", "ig", "CREB1", "1", "10", "90", "0.25", "0.001"});
  write_tables(dir, t);
  const std::string html = render(dir);
  EXPECT_EQ(section_of(html, "s0-f4").find("Large-sample stream"), std::string::npos);
  const std::string other = section_of(html, "s1-f4");
  EXPECT_NE(other.find("Large-sample stream"), std::string::npos);
  EXPECT_NE(other.find("<code>tables/auprc_convergence.tsv</code> is missing"), std::string::npos);
  EXPECT_NE(other.find("0.2500<br><span class=\"ci\">± 0.0010</span>"), std::string::npos);
  EXPECT_NE(html.find("<h1>mint experiment report</h1>"), std::string::npos);
  EXPECT_FALSE(draws_non_finite(html));
}

}  // namespace
}  // namespace mint
