// Motifs: JASPAR / MEME-minimal readers, position weight matrices and their summaries.
//
// A Motif keeps its raw counts (4 x length, rows A,C,G,T; JASPAR counts may be decimals and
// column totals may differ within one matrix, e.g. MA0098.3) and derives probabilities column
// by column: p_b = (f_b + eps) / (1 + 4 eps), f_b = count_b / column total (SPEC §2).
// Bad files fail with mint::Error "file:line: reason".
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mint {

inline constexpr double kDefaultPseudocount = 0.01;
inline constexpr char kBases[4] = {'A', 'C', 'G', 'T'};

struct Motif {
  std::string id;    // e.g. "MA0018.3"
  std::string name;  // e.g. "CREB1"
  // counts[b][j]: count (or MEME probability x nsites) of base b in column j.
  std::array<std::vector<double>, 4> counts;

  std::size_t length() const { return counts[0].size(); }
  // Probability of base b in column j, with pseudocount eps on the column frequencies.
  double probability(int b, std::size_t j, double eps = kDefaultPseudocount) const;
  // (length x 4) row-major probabilities, column j at [4j, 4j+4).
  std::vector<double> probabilities(double eps = kDefaultPseudocount) const;
  // Information content of column j in bits against a uniform background:
  // sum_b p_b log2(p_b / 0.25), with the pseudocounted probabilities.
  double column_information(std::size_t j, double eps = kDefaultPseudocount) const;
  double information_content(double eps = kDefaultPseudocount) const;  // sum over columns
  // Most frequent base of each column (raw counts); ties go to the first of A,C,G,T.
  std::string consensus() const;
};

struct MotifSet {
  std::string name;  // set name ("distinct_1") or the file path it was read from
  std::vector<Motif> motifs;
  std::size_t size() const { return motifs.size(); }
  std::size_t max_length() const;
  // What tables and reports call each motif: its name, or its id where several motifs share
  // the name (MEF2A's MA0052.1–4 are all "MEF2A"), or "id#index" where ids collide too.
  std::vector<std::string> labels() const;
};

// Readers. `source` names the input in error messages (a path, or "<bundled distinct_1>").
MotifSet parse_jaspar(std::string_view text, const std::string& source);
MotifSet parse_meme(std::string_view text, const std::string& source);
// Reads a file, choosing the format by content ("MEME version" header => MEME, else JASPAR).
MotifSet read_motif_file(const std::string& path);

// The sets that ship inside the library (data/motifs/<name>.jaspar, embedded at build time).
struct BundledMotifSet {
  const char* name;
  const char* jaspar_text;
};
const std::vector<BundledMotifSet>& bundled_motif_sets();
// A bundled set by name ("distinct_1", "MEF2A"), else a file path. An unknown name that is
// not a file fails with a message listing the bundled names.
MotifSet load_motifs(const std::string& name_or_path);

// Pearson similarity of two matrices as Biopython's Bio.motifs PSSM.dist_pearson computes it:
// the correlation of aligned columns, maximised over all offsets, normalised by the aligned
// span (Biopython's norm = max(len_a, offset + len_b) * 4). `offset` is Biopython's:
// dist_pearson returns (1 - correlation, offset).
struct PearsonSimilarity {
  double correlation;
  int offset;
};
// a, b: (length x 4) row-major matrices (column j at [4j, 4j+4)).
PearsonSimilarity pearson_similarity(const std::vector<double>& a, const std::vector<double>& b);
// The motifs' log-odds PSSMs, log2(p / 0.25) with pseudocount eps, as Biopython's
// motif.pssm (what the paper compared).
std::vector<double> log_odds(const Motif& m, double eps = kDefaultPseudocount);
PearsonSimilarity motif_similarity(const Motif& a, const Motif& b,
                                   double eps = kDefaultPseudocount);

}  // namespace mint
