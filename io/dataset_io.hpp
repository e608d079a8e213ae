// A simulated data set on disk (one directory), written atomically file by file, with
// dataset.json last — a directory without it is an unfinished write.
//
//   dataset.json           format, options, grammar, splits with their realised counts
//   motifs.jaspar          the motifs the data was sampled from (exact counts)
//   counts.tsv             split, subset, number of motifs present, sequences
//   <split>.fasta          >ID presence=1011 label=…, one line of sequence
//   <split>.truth.tsv      BED-like: sequence, start, end (0-based, half-open), motif id, name
//   <split>.labels.tsv     sequence, presence bits, number present, label
//   <split>.seq.npy        uint8 (N, L), 0..3 = A,C,G,T
//   <split>.presence.npy   uint8 (N, n), 1 = motif present (file order)
//   <split>.labels.npy     float32 (N,)
//   <split>.offsets.npy    int32 (N,), grammar start in each sequence
//   <split>.onehot.npy     float32 (N, 4, L), only with WriteOptions::onehot
// Splits: train, valid, test. Presence bit strings list motifs in file order.
#pragma once

#include <string>
#include <vector>

#include "ops/sampler/sampler.hpp"

namespace mint {

struct WriteOptions {
  bool fasta = true;
  bool onehot = false;
};

// Bytes per sequence of a split's text beyond its bases, at most: a FASTA header (">id
// presence=<n bits> label=<y>\n" also counts n), and the labels' and truth's lines (the latter
// per motif present, also counting n).
inline constexpr int kFastaHeader = 96;
inline constexpr int kTextPerSequence = 128, kTextPerMotif = 96;

void write_dataset(const Simulation& sim, const std::string& dir, const WriteOptions& options = {});

// Reads a directory written by write_dataset; every file is validated against dataset.json
// (shapes, codes in 0..3, presence bits) and errors name the file.
Simulation load_dataset(const std::string& dir);

// The JASPAR text of a motif set; counts printed exactly (shortest round-trip form).
std::string format_jaspar(const MotifSet& motifs);

std::string presence_bits(std::uint32_t mask, int n);                 // "1011": motif 0 first
std::string subset_name(std::uint32_t mask, const MotifSet& motifs);  // "CREB1+ETS1" / "none"

}  // namespace mint
