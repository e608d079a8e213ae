// The arithmetic of the device-side AUPRC (auprc.cu, auprc_block.cu, auprc_segmented.cu) in
// __host__ __device__ form, shared by the kernels and the host tests (tests/ops/test_auprc_cuda.cpp
// checks on any machine that it reproduces score_rows, auprc.cpp, bit for bit):
//   add_rn … div_rn         one IEEE double operation, rounded once (no FMA contraction)
//   pairwise_*              NumPy's pairwise summation split into slots for parallel hardware
//   CurveGroups             the curve's terms from its tie groups' cumulative (tp, fp)
//   finish_*                the sums turned into average precision, AUPRC and ROC AUC
//   first_error             score_curve's message for the first bad entry (host)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__CUDACC__)
#define MINT_AUPRC_HD __host__ __device__ __forceinline__
#else
#define MINT_AUPRC_HD inline
#endif

namespace mint {
namespace auprc_detail {

// One IEEE double operation, rounded to nearest once. On the device the intrinsics keep nvcc
// from fusing a product into a following sum (FMA); on the host the product goes through a
// volatile for the same reason (GCC contracts across inlined calls with -ffp-contract=fast).
MINT_AUPRC_HD double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
MINT_AUPRC_HD double sub_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
MINT_AUPRC_HD double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  volatile double r = a * b;
  return r;
#endif
}
MINT_AUPRC_HD double div_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  volatile double r = a / b;
  return r;
#endif
}

// ---- NumPy's pairwise summation (auprc.cpp pairwise_sum), split for parallel hardware ----
// pairwise_sum(a, n): n < 8 → a plain loop from 0.; n <= 128 → a leaf (8 accumulators);
// else pairwise_sum(a, n2) + pairwise_sum(a + n2, n − n2) with n2 = n/2 rounded down to a
// multiple of 8. The tree depends on n only. At depth d, path p (d bits, first step the
// highest bit: 0 left, 1 right) names a node; D "slots" bits name every node of the
// depth-D frontier. Slot s owns the node its path reaches first among those no longer than
// leaf_max, if the bits of s below that node's depth are 0 (the node's leftmost slot).
// Owners sum their node; then, level by level from D − 1 up, every internal node adds its
// right child's slot into its own (= its left child's) slot: the result lands in slot 0.
inline constexpr std::int64_t kPairwiseLeaf = 128;    // NumPy's PW_BLOCKSIZE
inline constexpr std::int64_t kPairwiseChunk = 2048;  // one warp's share: <= 32 leaves (D <= 5)

MINT_AUPRC_HD std::int64_t pairwise_split(std::int64_t n) {
  const std::int64_t n2 = n / 2;
  return n2 - n2 % 8;
}

struct PairwiseNode {
  std::int64_t off, len;
  int depth;
};

// The node reached from the root of a sum of len terms by the first `depth` bits of `path`
// (highest first), stopping early at a node no longer than leaf_max.
MINT_AUPRC_HD PairwiseNode pairwise_node(std::int64_t len, std::int64_t leaf_max, int depth,
                                         std::uint64_t path) {
  PairwiseNode node{0, len, 0};
  while (node.depth < depth && node.len > leaf_max) {
    const std::int64_t left = pairwise_split(node.len);
    if (((path >> (depth - 1 - node.depth)) & 1u) != 0) {
      node.off += left;
      node.len -= left;
    } else {
      node.len = left;
    }
    ++node.depth;
  }
  return node;
}

// Frontier depth D: every node at depth D is no longer than leaf_max (a child is at most half
// its parent + 7.5, so depth-d nodes are shorter than len / 2^d + 15). Needs leaf_max > 15.
MINT_AUPRC_HD int pairwise_slots_log2(std::int64_t len, std::int64_t leaf_max) {
  int d = 0;
  while (len > leaf_max &&
         static_cast<std::uint64_t>(len) > (static_cast<std::uint64_t>(leaf_max - 15) << d)) {
    ++d;
  }
  return d;
}

MINT_AUPRC_HD bool pairwise_owner(const PairwiseNode& node, int slots_log2, std::uint64_t slot) {
  const int below = slots_log2 - node.depth;
  return (slot & ((std::uint64_t{1} << below) - 1)) == 0;
}

// NumPy's leaf: terms off .. off + n − 1 (n <= 128) of `term`.
template <typename Term>
MINT_AUPRC_HD double pairwise_leaf(const Term& term, std::int64_t off, std::int64_t n) {
  if (n < 8) {
    double res = 0.;
    for (std::int64_t i = 0; i < n; ++i) res = add_rn(res, term(off + i));
    return res;
  }
  double r[8];
  for (int j = 0; j < 8; ++j) r[j] = term(off + j);
  std::int64_t i = 8;
  for (; i < n - (n % 8); i += 8) {
    for (int j = 0; j < 8; ++j) r[j] = add_rn(r[j], term(off + i + j));
  }
  double res = add_rn(add_rn(add_rn(r[0], r[1]), add_rn(r[2], r[3])),
                      add_rn(add_rn(r[4], r[5]), add_rn(r[6], r[7])));
  for (; i < n; ++i) res = add_rn(res, term(off + i));
  return res;
}

// One combining step: node p at `depth` (of a sum of len terms, leaf_max, slots_log2 frontier),
// if internal, adds its right child's slot into its own. Nodes of one level touch disjoint slots.
MINT_AUPRC_HD void pairwise_combine(double* slots, int slots_log2, int depth, std::uint64_t p,
                                    std::int64_t len, std::int64_t leaf_max) {
  const PairwiseNode node = pairwise_node(len, leaf_max, depth, p);
  if (node.depth != depth || node.len <= leaf_max) return;  // a leaf, or inside one
  const int shift = slots_log2 - depth;
  slots[p << shift] = add_rn(slots[p << shift], slots[((2 * p) + 1) << (shift - 1)]);
}

// Sum of the chunk [off, off + len) (len <= kPairwiseChunk), 32 slots: what one warp does.
template <typename Term>
double pairwise_chunk_reference(const Term& term, std::int64_t off, std::int64_t len) {
  double slots[32];
  const int d_slots = pairwise_slots_log2(len, kPairwiseLeaf);
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << d_slots); ++s) {
    const PairwiseNode node = pairwise_node(len, kPairwiseLeaf, d_slots, s);
    slots[s] =
        pairwise_owner(node, d_slots, s) ? pairwise_leaf(term, off + node.off, node.len) : 0.0;
  }
  for (int d = d_slots - 1; d >= 0; --d) {
    for (std::uint64_t p = 0; p < (std::uint64_t{1} << d); ++p) {
      pairwise_combine(slots, d_slots, d, p, len, kPairwiseLeaf);
    }
  }
  return slots[0];
}

// pairwise_sum of len terms the way the segmented path computes it (chunks of <= 2048 terms,
// then the tree above them), serially: for tests. Equal to NumPy's pairwise_sum bit for bit.
template <typename Term>
double pairwise_sum_reference(const Term& term, std::int64_t len) {
  const int d_top = pairwise_slots_log2(len, kPairwiseChunk);
  std::vector<double> slots(std::size_t{1} << d_top, 0.0);
  for (std::uint64_t s = 0; s < slots.size(); ++s) {
    const PairwiseNode node = pairwise_node(len, kPairwiseChunk, d_top, s);
    if (pairwise_owner(node, d_top, s))
      slots[s] = pairwise_chunk_reference(term, node.off, node.len);
  }
  for (int d = d_top - 1; d >= 0; --d) {
    for (std::uint64_t p = 0; p < (std::uint64_t{1} << d); ++p) {
      pairwise_combine(slots.data(), d_top, d, p, len, kPairwiseChunk);
    }
  }
  return slots[0];
}

// ---- The curve from its tie groups (auprc.cpp score_pairs) ---------------------------
// tp[j], fp[j]: positives / negatives scoring >= the j-th largest distinct score, j in [0, m).
// precision_recall_curve's point k (k in [0, m]) is group j = m − 1 − k; point m is
// (recall 0, precision 1). ROC point i is group i itself.
template <typename Count>
struct CurveGroups {
  const Count* tp;
  const Count* fp;
  std::int64_t m;
  double npos, nneg;

  MINT_AUPRC_HD double recall(std::int64_t j) const {
    return npos == 0 ? 1.0 : div_rn(static_cast<double>(tp[j]), npos);
  }
  MINT_AUPRC_HD double precision(std::int64_t j) const {
    const double t = static_cast<double>(tp[j]);
    const double ps = add_rn(t, static_cast<double>(fp[j]));
    return ps != 0 ? div_rn(t, ps) : 0.0;
  }
  // average_precision's k-th term: (recall[k+1] − recall[k])·precision[k].
  MINT_AUPRC_HD double ap_term(std::int64_t k) const {
    const std::int64_t j = m - 1 - k;
    const double r1 = k + 1 < m ? recall(j - 1) : 0.0;
    return mul_rn(sub_rn(r1, recall(j)), precision(j));
  }
  // The trapezoid's k-th term: (recall[k+1] − recall[k])·(precision[k+1] + precision[k]) / 2.
  MINT_AUPRC_HD double pr_term(std::int64_t k) const {
    const std::int64_t j = m - 1 - k;
    const double r1 = k + 1 < m ? recall(j - 1) : 0.0;
    const double p1 = k + 1 < m ? precision(j - 1) : 1.0;
    return div_rn(mul_rn(sub_rn(r1, recall(j)), add_rn(p1, precision(j))), 2.0);
  }
  // roc_curve(drop_intermediate=True) keeps the ends and every corner (integer arithmetic:
  // the CPU's double second differences of integers are exact).
  MINT_AUPRC_HD bool roc_keep(std::int64_t i) const {
    if (m <= 2 || i == 0 || i + 1 == m) return true;
    const std::int64_t f0 = static_cast<std::int64_t>(fp[i - 1]),
                       f1 = static_cast<std::int64_t>(fp[i]),
                       f2 = static_cast<std::int64_t>(fp[i + 1]);
    const std::int64_t t0 = static_cast<std::int64_t>(tp[i - 1]),
                       t1 = static_cast<std::int64_t>(tp[i]),
                       t2 = static_cast<std::int64_t>(tp[i + 1]);
    return f2 - 2 * f1 + f0 != 0 || t2 - 2 * t1 + t0 != 0;
  }
  // The ROC trapezoid's t-th term, kept[] the kept groups in order, (0, 0) before kept[0].
  template <typename Index>
  MINT_AUPRC_HD double roc_term(const Index* kept, std::int64_t t) const {
    const std::int64_t i1 = static_cast<std::int64_t>(kept[t]);
    const double x1 = div_rn(static_cast<double>(fp[i1]), nneg);
    const double y1 = div_rn(static_cast<double>(tp[i1]), npos);
    double x0 = 0.0, y0 = 0.0;
    if (t > 0) {
      const std::int64_t i0 = static_cast<std::int64_t>(kept[t - 1]);
      x0 = div_rn(static_cast<double>(fp[i0]), nneg);
      y0 = div_rn(static_cast<double>(tp[i0]), npos);
    }
    return div_rn(mul_rn(sub_rn(x1, x0), add_rn(y1, y0)), 2.0);
  }
};

// From the pairwise sums to the scores: np.sum adds the sum to 0.; AP is max(0.0, −sum)
// (so −0.0 becomes 0.0); sklearn.metrics.auc's direction is −1 for the PR curve (recall
// falls from 1 to 0, monotonically: a correctly rounded division is monotonic) and +1 for ROC.
MINT_AUPRC_HD double finish_average_precision(double sum) {
  const double v = -add_rn(0., sum);
  return 0.0 < v ? v : 0.0;  // std::max(0.0, v)
}
MINT_AUPRC_HD double finish_auprc(double sum) { return mul_rn(-1.0, add_rn(0., sum)); }
MINT_AUPRC_HD double finish_auroc(double sum) { return mul_rn(1.0, add_rn(0., sum)); }

// score_curve's message for the first bad entry among the included entries of one row of n
// (host data), or "" if none. Empty rows: "AUPRC of an empty input (no samples)".
template <typename S>
std::string first_error(const S* scores, const std::uint8_t* labels, const std::uint8_t* include,
                        std::size_t n) {
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (include != nullptr && include[i] == 0) continue;
    any = true;
    if (std::isnan(scores[i])) return "Input contains NaN.";
    if (std::isinf(scores[i])) {
      return std::string("Input contains infinity or a value too large for dtype('") +
             (std::is_same_v<S, float> ? "float32" : "float64") + "').";
    }
    if (labels[i] > 1) return "labels must be 0 or 1, got " + std::to_string(labels[i]);
  }
  return any ? std::string() : std::string("AUPRC of an empty input (no samples)");
}

}  // namespace auprc_detail
}  // namespace mint
