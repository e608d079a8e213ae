// Designs: subsets per split, their counts and labels (SPEC §3). See design.hpp.
#include "core/design.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/error.hpp"

namespace mint {

std::string to_string(DesignKind d) {
  return d == DesignKind::classification ? "classification" : "regression";
}
std::string to_string(Negatives n) {
  return n == Negatives::with_subsets ? "with-subsets" : "without";
}
std::string to_string(Effect e) {
  switch (e) {
    case Effect::additive:
      return "additive";
    case Effect::enhancing:
      return "enhancing";
    case Effect::inhibiting:
      return "inhibiting";
    case Effect::quadratic:
      return "quadratic";
  }
  return "?";
}

DesignKind parse_design(const std::string& s) {
  if (s == "classification") return DesignKind::classification;
  if (s == "regression") return DesignKind::regression;
  throw Error("--design: unknown design '" + s + "' (expected classification or regression)");
}
Negatives parse_negatives(const std::string& s) {
  if (s == "with-subsets") return Negatives::with_subsets;
  if (s == "without") return Negatives::without;
  throw Error("--negatives: unknown value '" + s + "' (expected with-subsets or without)");
}
Effect parse_effect(const std::string& s) {
  for (Effect e : {Effect::additive, Effect::enhancing, Effect::inhibiting, Effect::quadratic}) {
    if (s == to_string(e)) return e;
  }
  throw Error("--effect: unknown effect '" + s +
              "' (expected additive, enhancing, inhibiting or quadratic)");
}

std::int64_t SplitPlan::total() const {
  std::int64_t t = 0;
  for (const Group& g : groups) t += g.count;
  return t;
}

std::vector<std::uint32_t> canonical_subsets(int n) {
  std::vector<std::uint32_t> all(std::size_t{1} << n);
  for (std::uint32_t m = 0; m < all.size(); ++m) all[m] = m;
  // Lexicographic by sorted index list == by the bit pattern read from bit 0 upwards, which
  // for equal sizes is descending order of the bit-reversed mask; compare explicitly.
  auto lex_less = [](std::uint32_t a, std::uint32_t b) {
    while (a && b) {
      const int ia = std::countr_zero(a), ib = std::countr_zero(b);
      if (ia != ib) return ia < ib;
      a &= a - 1;
      b &= b - 1;
    }
    return a == 0 && b != 0;
  };
  std::stable_sort(all.begin(), all.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int pa = std::popcount(a), pb = std::popcount(b);
    return pa != pb ? pa < pb : lex_less(a, b);
  });
  return all;
}

std::int64_t even_share(std::int64_t total, std::int64_t k, std::int64_t i) {
  return total / k + (i < total % k ? 1 : 0);
}

namespace {

void check_size(const char* option, std::int64_t value) {
  if (value < 0)
    throw Error(std::string(option) + " must not be negative, got " + std::to_string(value));
}

std::vector<Group> spread(std::int64_t total, const std::vector<std::uint32_t>& masks) {
  std::vector<Group> groups;
  const auto k = static_cast<std::int64_t>(masks.size());
  for (std::int64_t i = 0; i < k; ++i) groups.push_back({masks[i], even_share(total, k, i)});
  return groups;
}

std::vector<Group> classification_split(std::int64_t total, int n, Negatives negatives) {
  const std::uint32_t full = (1u << n) - 1;
  const std::int64_t n_neg = even_share(total, 2, 0), n_pos = even_share(total, 2, 1);
  std::vector<std::uint32_t> neg_masks;
  if (negatives == Negatives::without) {
    neg_masks = {0u};
  } else {
    for (std::uint32_t m : canonical_subsets(n))
      if (m != full) neg_masks.push_back(m);
  }
  std::vector<Group> groups = spread(n_neg, neg_masks);
  groups.push_back({full, n_pos});
  return groups;
}

}  // namespace

std::vector<SplitPlan> plan_splits(int n, const DesignOptions& o) {
  check_size("--train", o.train);
  check_size("--valid", o.valid);
  check_size("--test-positives", o.test_positives);
  check_size("--test-per-subset", o.test_per_subset);
  check_size("--test-per-count", o.test_per_count);
  if (!o.weights.empty() && static_cast<int>(o.weights.size()) != n) {
    throw Error("--weights needs one value per motif (" + std::to_string(n) + "), got " +
                std::to_string(o.weights.size()));
  }
  for (double w : o.weights) {
    if (!std::isfinite(w)) throw Error("--weights: every main effect must be a finite number");
  }
  if (o.interaction_set && !std::isfinite(o.interaction)) {
    throw Error("--interaction must be a finite number");
  }
  if (o.kind == DesignKind::classification && (!o.weights.empty() || o.interaction_set)) {
    throw Error("--weights and --interaction apply to the regression design only");
  }
  const std::vector<std::uint32_t> subsets = canonical_subsets(n);
  const std::uint32_t full = (1u << n) - 1;
  std::vector<SplitPlan> plans;
  if (o.kind == DesignKind::classification) {
    plans.push_back({"train", 0, classification_split(o.train, n, o.negatives)});
    plans.push_back({"valid", 1, classification_split(o.valid, n, o.negatives)});
    std::vector<Group> test;
    for (std::uint32_t m : subsets) {
      test.push_back({m, m == full ? o.test_positives : o.test_per_subset});
    }
    // Positives last, as in train/valid (canonical order puts the full set last already).
    plans.push_back({"test", 2, test});
  } else {
    plans.push_back({"train", 0, spread(o.train, subsets)});
    plans.push_back({"valid", 1, spread(o.valid, subsets)});
    std::vector<Group> test;
    for (int k = 0; k <= n; ++k) {
      std::vector<std::uint32_t> of_size;
      for (std::uint32_t m : subsets)
        if (std::popcount(m) == k) of_size.push_back(m);
      if (o.test_per_count < static_cast<std::int64_t>(of_size.size())) {
        throw Error("--test-per-count " + std::to_string(o.test_per_count) +
                    " is too small: " + std::to_string(of_size.size()) + " subsets have " +
                    std::to_string(k) + " motifs and each needs a sequence");
      }
      for (const Group& g : spread(o.test_per_count, of_size)) test.push_back(g);
    }
    plans.push_back({"test", 2, test});
  }
  // Every group of train/valid must get sequences, or the design is not what it says.
  for (const SplitPlan& p : plans) {
    const bool is_test = p.name == "test";
    const auto groups = static_cast<std::int64_t>(p.groups.size());
    // Classification puts half of the split on one positive group, the rest on the negatives.
    const std::int64_t min_total =
        is_test ? 1 : (o.kind == DesignKind::classification ? 2 * (groups - 1) : groups);
    const bool empty_group =
        std::any_of(p.groups.begin(), p.groups.end(), [](const Group& g) { return g.count == 0; });
    if (p.total() < min_total || (!is_test && empty_group)) {
      throw Error("--" + p.name + " " + std::to_string(p.total()) + " is too small for this " +
                  "design: it needs at least " + std::to_string(min_total) +
                  " sequences so that every presence subset gets one");
    }
    if (p.total() > 0xFFFFFFFFll) throw Error("--" + p.name + " is too large (at most 2^32 - 1)");
  }
  return plans;
}

double effect_interaction(const DesignOptions& o) {
  if (o.interaction_set) return o.interaction;
  if (o.effect == Effect::enhancing) return 2.0;
  if (o.effect == Effect::inhibiting) return -2.0;
  return 0.0;
}

double label_of(std::uint32_t mask, int n, const DesignOptions& o) {
  if (o.kind == DesignKind::classification) return mask == (1u << n) - 1 ? 1.0 : 0.0;
  double sum = 0;
  bool all = true;
  for (int i = 0; i < n; ++i) {
    const bool present = (mask >> i) & 1u;
    const double w = o.weights.empty() ? 1.0 : o.weights[i];
    if (present)
      sum += w;
    else
      all = false;
  }
  switch (o.effect) {
    case Effect::additive:
      return sum;
    case Effect::enhancing:
    case Effect::inhibiting:
      return sum + (all ? effect_interaction(o) : 0.0);
    case Effect::quadratic:
      return sum * sum;
  }
  return sum;
}

}  // namespace mint
