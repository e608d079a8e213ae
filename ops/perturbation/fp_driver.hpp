// Internal to ops/perturbation and ops/seqnet: Feature Permutation's input checks, batches and
// permutations (a validated replay, or seeded draws), shared by every network FP runs on. Not a
// public header.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ops/cnn/cnn.hpp"
#include "ops/perturbation/perturbation.hpp"

namespace mint::fp_detail {

// Validates the input and returns it as plain codes or dense; a scaled codes input becomes
// the dense x = scale·onehot (in `storage`), as ism() does.
inline CnnInput plain_input(const char* what, const CnnInput& in, int n, int length,
                            std::vector<float>& storage) {
  if ((in.codes == nullptr) == (in.dense == nullptr)) {
    throw Error(std::string(what) + ": give exactly one of codes and dense input");
  }
  if (in.dense != nullptr && in.scale != nullptr) {
    throw Error(std::string(what) + ": a row scale applies to codes input only");
  }
  if (n < 0) throw Error(std::string(what) + ": negative number of sequences");
  if (in.codes == nullptr) return in;
  const std::size_t total = static_cast<std::size_t>(n) * length;
  for (std::size_t i = 0; i < total; ++i) {
    if (in.codes[i] > 3) {
      throw Error(std::string(what) + ": sequence " + std::to_string(i / length) + " position " +
                  std::to_string(i % length) + " has code " + std::to_string(in.codes[i]) +
                  " (expected 0..3 = A,C,G,T)");
    }
  }
  if (in.scale == nullptr) return in;
  storage.assign(total * 4, 0.0f);
  for (std::size_t i = 0; i < total; ++i) {
    const std::size_t s = i / length, p = i % length;
    storage[(s * 4 + in.codes[i]) * length + p] = in.scale[s];
  }
  CnnInput out;
  out.dense = storage.data();
  return out;
}

inline bool is_identity(const std::vector<std::int64_t>& row) {
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] != static_cast<std::int64_t>(i)) return false;
  }
  return true;
}

// The nearest batch size to `size` that leaves no batch of one for n sequences.
inline int suggest_batch_size(int n, int size) {
  for (int d = 1;; ++d) {
    for (int cand : {size - d, size + d}) {
      if (cand >= 2 && (cand >= n || n % cand != 1)) return cand;
    }
  }
}

// FeaturePermutation's batches and permutations (validated replay, or drawn), shared by the
// backends: eval(in, first, size, perms, out) computes batch [first, first + size) with
// perms (L, size) — perms[p·size + i] is the sequence whose column p sequence i receives.
template <typename Eval>
std::vector<float> fp_driver(int length, const CnnInput& input, int n, const FpOptions& options,
                             std::vector<std::vector<std::int64_t>>* used, Eval&& eval) {
  std::vector<float> storage;
  const CnnInput in = plain_input("feature permutation", input, n, length, storage);
  if (used != nullptr) used->clear();
  const std::size_t row = static_cast<std::size_t>(4) * length;
  std::vector<float> out(static_cast<std::size_t>(n) * row, 0.0f);
  if (n == 0) return out;
  const int bs = options.batch_size;
  if (bs < 2) {
    throw Error("feature permutation: batch size " + std::to_string(bs) +
                " — a batch of one sequence cannot be permuted; use a batch size of at least 2");
  }
  if (n == 1) {
    throw Error(
        "feature permutation needs at least 2 sequences (it permutes positions across "
        "the batch); got 1");
  }
  if (n % bs == 1) {
    throw Error("feature permutation: " + std::to_string(n) + " sequences in batches of " +
                std::to_string(bs) +
                " leave a last batch of one sequence, which cannot be permuted; choose "
                "another batch size (--batch-size), e.g. " +
                std::to_string(suggest_batch_size(n, bs)));
  }
  const int batches = (n + bs - 1) / bs;

  // Replay: resolve and check every row before computing anything.
  std::vector<const std::vector<std::int64_t>*> replayed;
  if (options.replay != nullptr) {
    const auto& rows = *options.replay;
    replayed.reserve(static_cast<std::size_t>(batches) * length);
    std::size_t next = 0;
    for (int b = 0; b < batches; ++b) {
      const int size = std::min(bs, n - b * bs);
      std::vector<char> seen(static_cast<std::size_t>(size));
      for (int p = 0; p < length; ++p) {
        for (;; ++next) {
          if (next >= rows.size()) {
            throw Error("feature permutation replay: " + std::to_string(rows.size()) +
                        " permutation rows run out at batch " + std::to_string(b) + ", position " +
                        std::to_string(p) + " (" + std::to_string(batches) +
                        " batch(es) × L = " + std::to_string(length) + " rows are needed, " +
                        "plus any rejected identity draws)");
          }
          const auto& r = rows[next];
          const std::string where = "feature permutation replay: row " + std::to_string(next) +
                                    " (batch " + std::to_string(b) + ", position " +
                                    std::to_string(p) + ")";
          if (r.size() != static_cast<std::size_t>(size)) {
            throw Error(where + " has " + std::to_string(r.size()) + " entries, the batch has " +
                        std::to_string(size) + " sequences");
          }
          std::fill(seen.begin(), seen.end(), 0);
          for (std::int64_t v : r) {
            if (v < 0 || v >= size || seen[static_cast<std::size_t>(v)]) {
              throw Error(where + " is not a permutation of 0.." + std::to_string(size - 1) +
                          " (value " + std::to_string(v) + ")");
            }
            seen[static_cast<std::size_t>(v)] = 1;
          }
          if (!is_identity(r)) break;  // an identity row is a rejected draw: skip it
        }
        replayed.push_back(&rows[next++]);
      }
    }
    for (; next < rows.size(); ++next) {
      if (!is_identity(rows[next])) {
        throw Error("feature permutation replay: " + std::to_string(rows.size() - next) +
                    " row(s) left over from row " + std::to_string(next) + " (" +
                    std::to_string(batches) + " batch(es) × L = " + std::to_string(length) +
                    " are used); the permutations were recorded for other data or another "
                    "batch size");
      }
    }
  }

  std::vector<std::int32_t> perms;  // (L, B) of the current batch
  std::vector<std::int64_t> drawn;
  for (int b = 0; b < batches; ++b) {
    const int first = b * bs, size = std::min(bs, n - first);
    perms.resize(static_cast<std::size_t>(length) * size);
    for (int p = 0; p < length; ++p) {
      const std::vector<std::int64_t>* r;
      if (options.replay != nullptr) {
        r = replayed[static_cast<std::size_t>(b) * length + p];
      } else {
        drawn = fp_permutation(options.seed, options.first_batch + b, p, size);
        r = &drawn;
      }
      for (int i = 0; i < size; ++i) {
        perms[static_cast<std::size_t>(p) * size + i] =
            static_cast<std::int32_t>((*r)[static_cast<std::size_t>(i)]);
      }
      if (used != nullptr) used->push_back(*r);
    }
    eval(in, first, size, perms, out.data());
  }
  return out;
}

}  // namespace mint::fp_detail
