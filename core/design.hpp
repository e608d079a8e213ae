// Data-set designs (SPEC §3): which presence subsets each split holds, how many sequences
// each gets, and the label of a presence vector.
//
// Subsets are bit masks over the motifs in file order. Canonical order: by size, then
// lexicographically by motif index ({} < {0} < {1} < … < {0,1} < {0,2} < …). Counts that do
// not divide evenly give each group ⌊N/k⌋ and one more to each of the first N mod k groups in
// canonical order. Classification splits first divide N between the two classes in that
// order (negatives, whose subsets are smaller, first), then the negatives among their subsets.
// The test split is the same for both negative designs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mint {

enum class DesignKind { classification, regression };
enum class Negatives { with_subsets, without };
enum class Effect { additive, enhancing, inhibiting, quadratic };

std::string to_string(DesignKind d);
std::string to_string(Negatives n);
std::string to_string(Effect e);
DesignKind parse_design(const std::string& s);  // errors name the accepted values
Negatives parse_negatives(const std::string& s);
Effect parse_effect(const std::string& s);

struct DesignOptions {
  DesignKind kind = DesignKind::classification;
  Negatives negatives = Negatives::with_subsets;
  Effect effect = Effect::additive;
  std::vector<double> weights;  // main effects w_i; empty = all 1
  double interaction = 0;       // c; NaN/unset handled by default_interaction()
  bool interaction_set = false;
  std::int64_t train = 40000;
  std::int64_t valid = 5000;
  std::int64_t test_positives = 10000;  // classification
  std::int64_t test_per_subset = 500;   // classification, per proper subset
  std::int64_t test_per_count = 2500;   // regression, per number of present motifs
};

struct Group {
  std::uint32_t mask;
  std::int64_t count;
};

struct SplitPlan {
  std::string name;  // "train", "valid", "test"
  std::uint32_t id;  // 0, 1, 2 — part of the random stream
  std::vector<Group> groups;
  std::int64_t total() const;
};

// All 2^n subsets in canonical order.
std::vector<std::uint32_t> canonical_subsets(int n);
// Share i of N split over k groups (remainder to the first groups).
std::int64_t even_share(std::int64_t total, std::int64_t k, std::int64_t i);
// The three splits of a design for n motifs; validates sizes (errors name the option).
std::vector<SplitPlan> plan_splits(int n, const DesignOptions& options);

double effect_interaction(const DesignOptions& options);  // c: +2 enhancing, -2 inhibiting
// Label of a presence mask: 1/0 for classification (all present / not), F(x) for regression.
double label_of(std::uint32_t mask, int n, const DesignOptions& options);

}  // namespace mint
