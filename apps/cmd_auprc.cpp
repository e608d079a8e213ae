// `mint auprc --labels Y.npy --scores S.npy [--per-row] [--include MASK.npy]`: AUPRC (trapezoid
// under scikit-learn's precision_recall_curve), average precision and ROC AUC, exactly as current
// scikit-learn computes them (ops/auprc/auprc.hpp).
//   labels   any integer, bool or float dtype holding only 0 and 1
//   scores   float32 or float64, same shape as labels; float32 stays float32, so scores one ulp
//            apart are distinct thresholds
//   include  optional mask, same shape, any dtype: non-zero keeps the position
// 1-D arrays give one curve; with --per-row, (R, C) arrays give one curve per row (positions
// dropped by the mask per row). Prints one JSON object {"auprc", "average_precision", "auroc"}
// with numbers (arrays of R with --per-row); NaN is null. Each warning goes to stderr as one
// "mint: warning: ..." line.
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "commands.hpp"
#include "core/error.hpp"
#include "io/npy.hpp"
#include "ops/auprc/auprc.hpp"

namespace mint::cli {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// 0/1 values of any dtype as bytes; anything else names the file and the flat index.
std::vector<std::uint8_t> zero_one(const NpyArray& a, const std::string& path) {
  const std::vector<double> v = a.to_vector<double>();
  std::vector<std::uint8_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != 0 && v[i] != 1) {
      throw Error(path + ": label at index " + std::to_string(i) + " is " +
                  nlohmann::json(v[i]).dump() + ", expected 0 or 1");
    }
    out[i] = static_cast<std::uint8_t>(v[i]);
  }
  return out;
}

nlohmann::json number(double x) {
  return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x);
}

}  // namespace

void add_auprc_command(CLI::App& app) {
  struct Args {
    std::string labels, scores, include;
    bool per_row = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("auprc", "AUPRC, average precision and ROC AUC (scikit-learn's)");
  cmd->add_option("--labels", a->labels,
                  "Labels .npy, values 0/1 (any integer, bool or float dtype)")
      ->required();
  cmd->add_option("--scores", a->scores, "Scores .npy, float32 or float64, labels' shape")
      ->required();
  cmd->add_flag("--per-row", a->per_row, "(R, C) arrays: one curve per row");
  cmd->add_option("--include", a->include, "Mask .npy, labels' shape: non-zero keeps a position");
  cmd->callback([a] {
    const NpyArray labels = read_npy(a->labels), scores = read_npy(a->scores);
    if (scores.dtype != "f4" && scores.dtype != "f8") {
      throw Error(a->scores + ": scores must be float32 or float64, got dtype '" + scores.dtype +
                  "'");
    }
    if (labels.shape != scores.shape) {
      throw Error(a->labels + " has shape " + shape_text(labels.shape) + " but " + a->scores +
                  " has shape " + shape_text(scores.shape));
    }
    const std::size_t want_dims = a->per_row ? 2 : 1;
    if (scores.shape.size() != want_dims) {
      throw Error(a->scores + ": expected a " + std::to_string(want_dims) + "-D array" +
                  (a->per_row ? " (R, C) with --per-row" : " (use --per-row for (R, C))") +
                  ", got shape " + shape_text(scores.shape));
    }
    const std::vector<std::uint8_t> y = zero_one(labels, a->labels);
    std::vector<std::uint8_t> keep;
    if (!a->include.empty()) {
      const NpyArray mask = read_npy(a->include);
      if (mask.shape != scores.shape) {
        throw Error(a->include + " has shape " + shape_text(mask.shape) + " but " + a->scores +
                    " has shape " + shape_text(scores.shape));
      }
      const std::vector<double> m = mask.to_vector<double>();
      keep.resize(m.size());
      for (std::size_t i = 0; i < m.size(); ++i) keep[i] = m[i] != 0 ? 1 : 0;
    }
    const auto rows = a->per_row ? static_cast<std::size_t>(scores.shape[0]) : 1;
    const auto cols = static_cast<std::size_t>(scores.shape.back());
    const std::uint8_t* inc = keep.empty() ? nullptr : keep.data();
    const auto run = [&](const auto* s) {
      if (a->per_row) return score_rows(s, y.data(), inc, rows, cols);
      using S = std::remove_cvref_t<decltype(*s)>;
      std::vector<S> kept_s;
      std::vector<std::uint8_t> kept_y;
      for (std::size_t i = 0; i < cols; ++i) {
        if (inc == nullptr || inc[i] != 0) {
          kept_s.push_back(s[i]);
          kept_y.push_back(y[i]);
        }
      }
      return std::vector<CurveScores>{score_curve(kept_s.data(), kept_y.data(), kept_s.size())};
    };
    std::vector<CurveScores> res;
    try {  // the curve's own message ("row 3: Input contains NaN.") said of the scores' file
      res = scores.dtype == "f4" ? run(scores.as<float>()) : run(scores.as<double>());
    } catch (const Error& e) {
      throw Error(a->scores + ": " + e.what());
    }
    nlohmann::json out;
    if (a->per_row) {
      out["auprc"] = out["average_precision"] = out["auroc"] = nlohmann::json::array();
      for (std::size_t r = 0; r < res.size(); ++r) {
        out["auprc"].push_back(number(res[r].auprc));
        out["average_precision"].push_back(number(res[r].average_precision));
        out["auroc"].push_back(number(res[r].auroc));
        for (const auto& w : res[r].warnings) {
          std::fprintf(stderr, "mint: warning: row %zu: %s\n", r, w.c_str());
        }
      }
    } else {
      out["auprc"] = number(res[0].auprc);
      out["average_precision"] = number(res[0].average_precision);
      out["auroc"] = number(res[0].auroc);
      for (const auto& w : res[0].warnings) std::fprintf(stderr, "mint: warning: %s\n", w.c_str());
    }
    std::printf("%s\n", out.dump().c_str());
  });
}

}  // namespace mint::cli
