// Motif readers (JASPAR, MEME minimal) and the per-motif summaries declared in motif.hpp.
//
// JASPAR: a header ">ID NAME" (tab or spaces; NAME optional, defaults to ID), then the four rows
//   "A [ c1 c2 ... ]", "C", "G", "T" in any order (letter case-insensitive, brackets optional,
//   counts may be decimals). Several matrices per file, blank lines anywhere, CRLF endings and a
//   UTF-8 byte-order mark are accepted.
// MEME minimal: "MEME version N" as the first non-blank line; optional "ALPHABET= ACGT" (any
//   other alphabet fails), "strands: ...", "Background letter frequencies" and its one line of
//   frequencies (ignored); per motif "MOTIF ID [NAME]", then "letter-probability matrix:
//   alength= 4 w= W nsites= N E= e" (every key optional) and W rows of 4 probabilities;
//   "URL ..." lines are ignored. counts = probability x nsites (nsites = 1 when absent). Each row
//   must sum to 1 (within 0.01, the rounding of printed probabilities).
//
// Every error is mint::Error "source:line: reason" with a 1-based line. A bad value or row points
// at its own line; a fault of a whole JASPAR motif (a missing row, no columns, a column summing to
// 0) at its ">" header line; a MEME "w=" mismatch at the "letter-probability matrix" line; a file
// with nothing but blank lines at line 1; a MEME file without any MOTIF at its last line.
#include "core/motif.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>

#include "core/error.hpp"

namespace mint {

// ---- Motif ------------------------------------------------------------------------------------

double Motif::probability(int b, std::size_t j, double eps) const {
  // Sum in A, C, G, T order (as Biopython and numpy's left-to-right sums do), so the fixtures
  // reproduce these numbers bit for bit.
  const double total = counts[0][j] + counts[1][j] + counts[2][j] + counts[3][j];
  const double f = counts[static_cast<std::size_t>(b)][j] / total;
  return (f + eps) / (1 + 4 * eps);
}

std::vector<double> Motif::probabilities(double eps) const {
  std::vector<double> p(4 * length());
  for (std::size_t j = 0; j < length(); ++j) {
    for (int b = 0; b < 4; ++b) p[4 * j + static_cast<std::size_t>(b)] = probability(b, j, eps);
  }
  return p;
}

double Motif::column_information(std::size_t j, double eps) const {
  double ic = 0;
  for (int b = 0; b < 4; ++b) {
    const double p = probability(b, j, eps);
    if (p > 0) ic += p * std::log2(p / 0.25);  // 0 log 0 = 0 (only reachable with eps = 0)
  }
  return ic;
}

double Motif::information_content(double eps) const {
  double ic = 0;
  for (std::size_t j = 0; j < length(); ++j) ic += column_information(j, eps);
  return ic;
}

std::string Motif::consensus() const {
  std::string s(length(), 'N');
  for (std::size_t j = 0; j < length(); ++j) {
    int best = 0;
    for (int b = 1; b < 4; ++b) {
      if (counts[static_cast<std::size_t>(b)][j] > counts[static_cast<std::size_t>(best)][j]) {
        best = b;
      }
    }
    s[j] = kBases[best];
  }
  return s;
}

std::size_t MotifSet::max_length() const {
  std::size_t n = 0;
  for (const Motif& m : motifs) n = std::max(n, m.length());
  return n;
}

std::vector<std::string> MotifSet::labels() const {
  auto count = [&](auto field, const std::string& value) {
    std::size_t n = 0;
    for (const Motif& m : motifs) n += (m.*field) == value;
    return n;
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < motifs.size(); ++i) {
    const Motif& m = motifs[i];
    if (count(&Motif::name, m.name) == 1)
      out.push_back(m.name);
    else if (count(&Motif::id, m.id) == 1)
      out.push_back(m.id);
    else
      out.push_back(m.id + "#" + std::to_string(i));
  }
  return out;
}

// ---- shared parsing helpers -------------------------------------------------------------------

namespace {

struct Line {
  std::string_view text;  // trimmed of surrounding white space (and the '\r' of CRLF)
  long number;            // 1-based
};

constexpr std::string_view kSpace = " \t\r\v\f";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

std::vector<Line> split_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  std::vector<Line> lines;
  long number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back({trim(text.substr(0, nl)), ++number});
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  while (true) {
    const auto start = s.find_first_not_of(kSpace);
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    const auto end = s.find_first_of(kSpace);
    words.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return words;
}

bool starts_with_word(std::string_view line, std::string_view word) {
  return line.substr(0, word.size()) == word &&
         (line.size() == word.size() || kSpace.find(line[word.size()]) != std::string_view::npos);
}

// Quotes a piece of user text for a message, shortened so a message stays one readable line.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";  // appended piece by piece: "'" + std::string trips GCC 12's -Wrestrict
  out.append(s.substr(0, kMax));
  out.append(s.size() > kMax ? "...'" : "'");
  return out;
}

int base_index(char c) {
  const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int b = 0; b < 4; ++b) {
    if (kBases[b] == upper) return b;
  }
  return -1;
}

// A finite number >= 0 ("count" or "probability" names it in messages). A leading '+' is
// accepted; hexadecimal is not.
double parse_value(std::string_view word, const char* what, const std::string& source, long line) {
  std::string_view digits = word;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range) {
    fail_at(source, line, std::string(what) + " " + quoted(word) + " is out of range");
  }
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    fail_at(source, line, quoted(word) + " is not a number");
  }
  if (!std::isfinite(v)) {
    fail_at(source, line, "non-finite " + std::string(what) + " " + quoted(word));
  }
  if (v < 0) fail_at(source, line, "negative " + std::string(what) + " " + std::string(word));
  return v;
}

// Checks that hold for a motif from any format: at least one column, none summing to 0.
// `column_lines` (MEME) gives each column's own line; otherwise errors point at `line`.
void check_columns(const Motif& m, const std::string& source, long line,
                   const std::vector<long>& column_lines = {}) {
  if (m.length() == 0) fail_at(source, line, "motif " + m.id + " has no columns");
  for (std::size_t j = 0; j < m.length(); ++j) {
    const double total = m.counts[0][j] + m.counts[1][j] + m.counts[2][j] + m.counts[3][j];
    const long at = column_lines.empty() ? line : column_lines[j];
    // Finite counts can still overflow when summed; the probabilities would be NaN or 0.
    if (!std::isfinite(total)) {
      fail_at(source, at,
              "column " + std::to_string(j + 1) + " of " + m.id +
                  " sums to infinity (counts too large)");
    }
    if (total > 0) continue;
    fail_at(source, at, "column " + std::to_string(j + 1) + " of " + m.id + " sums to 0");
  }
}

[[noreturn]] void fail_empty(const std::string& source) {
  fail_at(source, 1, "empty file: no motifs found");
}

// ---- JASPAR -----------------------------------------------------------------------------------

struct JasparMotif {
  Motif motif;
  long header_line = 0;
  std::array<long, 4> row_line{};  // 0 = row not seen yet
  int first_row = -1;              // the row whose length the others must match
};

void finish_jaspar(JasparMotif& j, const std::string& source, std::vector<Motif>& out) {
  int seen = 0;
  std::string missing;
  for (int b = 0; b < 4; ++b) {
    if (j.row_line[static_cast<std::size_t>(b)] != 0) {
      ++seen;
    } else {
      missing += missing.empty() ? "" : ", ";
      missing += kBases[b];
    }
  }
  if (seen < 4) {
    fail_at(source, j.header_line,
            "motif " + j.motif.id + " has only " + std::to_string(seen) +
                " of the 4 rows A, C, G, T (missing " + missing + ")");
  }
  check_columns(j.motif, source, j.header_line);
  out.push_back(std::move(j.motif));
}

void parse_jaspar_row(JasparMotif& j, std::string_view text, const std::string& source, long line) {
  const auto label_end = std::min(text.find_first_of(kSpace), text.find('['));
  const std::string_view label = text.substr(0, label_end);
  const int b = label.size() == 1 ? base_index(label[0]) : -1;
  if (b < 0) {
    if (label.empty() || std::strchr("0123456789.+-", label[0]) != nullptr) {
      fail_at(source, line, "matrix row without a base letter (expected 'A [ counts ]')");
    }
    fail_at(source, line, "row " + quoted(label) + ": unknown base letter (expected A, C, G or T)");
  }
  const char letter = kBases[b];
  const auto bi = static_cast<std::size_t>(b);
  if (j.row_line[bi] != 0) {
    fail_at(source, line,
            std::string("duplicate row '") + letter + "' in motif " + j.motif.id +
                " (first at line " + std::to_string(j.row_line[bi]) + ")");
  }

  std::string_view body =
      trim(label_end == std::string_view::npos ? std::string_view{} : text.substr(label_end));
  if (!body.empty() && body[0] == '[') {
    const auto close = body.find(']');
    if (close == std::string_view::npos) fail_at(source, line, "unclosed '['");
    const std::string_view after = trim(body.substr(close + 1));
    if (!after.empty()) fail_at(source, line, "unexpected text " + quoted(after) + " after ']'");
    body = body.substr(1, close - 1);
    if (body.find('[') != std::string_view::npos) fail_at(source, line, "nested '['");
  } else if (body.find_first_of("[]") != std::string_view::npos) {
    fail_at(source, line, "misplaced bracket (expected 'A [ counts ]')");
  }

  std::vector<double>& row = j.motif.counts[bi];
  for (const std::string_view word : split_words(body)) {
    row.push_back(parse_value(word, "count", source, line));
  }
  if (j.first_row < 0) {
    j.first_row = b;
  } else {
    const std::size_t expected = j.motif.counts[static_cast<std::size_t>(j.first_row)].size();
    if (row.size() != expected) {
      fail_at(source, line,
              std::string("row '") + letter + "' has " + std::to_string(row.size()) +
                  " counts, expected " + std::to_string(expected) + " (as row '" +
                  kBases[j.first_row] + "')");
    }
  }
  j.row_line[bi] = line;
}

// ---- MEME -------------------------------------------------------------------------------------

// Lines that end a letter-probability matrix's rows.
bool is_meme_keyword(std::string_view line) {
  for (const std::string_view k : {"MOTIF", "URL", "MEME", "ALPHABET", "strands:"}) {
    if (starts_with_word(line, k)) return true;
  }
  for (const std::string_view k : {"letter-probability matrix", "log-odds matrix",
                                   "Background letter frequencies", "ALPHABET="}) {
    if (line.substr(0, k.size()) == k) return true;
  }
  return false;
}

// "key= value" / "key=value" pairs after "letter-probability matrix:".
std::vector<std::pair<std::string_view, std::string_view>> meme_keys(std::string_view s) {
  std::vector<std::pair<std::string_view, std::string_view>> keys;
  const auto words = split_words(s);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = words[i].substr(0, eq);
    std::string_view value = words[i].substr(eq + 1);
    if (value.empty() && i + 1 < words.size()) value = words[++i];
    keys.emplace_back(key, value);
  }
  return keys;
}

struct MemeMotif {
  Motif motif;
  long motif_line = 0;
  bool has_matrix = false;
};

}  // namespace

MotifSet parse_jaspar(std::string_view text, const std::string& source) {
  MotifSet set;
  set.name = source;
  std::optional<JasparMotif> current;
  for (const Line& l : split_lines(text)) {
    if (l.text.empty()) continue;
    if (l.text[0] == '>') {
      if (current) finish_jaspar(*current, source, set.motifs);
      const auto words = split_words(l.text.substr(1));
      if (words.empty()) {
        fail_at(source, l.number, "header line has no motif id (expected '>ID NAME')");
      }
      current.emplace();
      current->header_line = l.number;
      current->motif.id = std::string(words[0]);
      const std::string_view rest = trim(l.text.substr(
          static_cast<std::size_t>(words[0].data() + words[0].size() - l.text.data())));
      current->motif.name = rest.empty() ? current->motif.id : std::string(rest);
      continue;
    }
    if (!current) fail_at(source, l.number, "expected a header line '>ID NAME' before matrix rows");
    parse_jaspar_row(*current, l.text, source, l.number);
  }
  if (current) finish_jaspar(*current, source, set.motifs);
  if (set.motifs.empty()) fail_empty(source);
  return set;
}

namespace {

// How far a MEME row's probabilities may sum from 1: printed with 3 decimals, four values are
// off by up to 0.002; 0.01 also lets through the rounding of hand-written matrices.
constexpr double kMemeRowTolerance = 0.01;

// The letter-probability matrix whose header is lines[i] into `motif`: its keys (alength, w,
// nsites) and rows; returns the index of the first line after the rows.
std::size_t parse_meme_matrix(MemeMotif& motif, const std::vector<Line>& lines, std::size_t i,
                              const std::string& source) {
  const Line& l = lines[i];
  const std::string_view t = l.text;
  if (motif.has_matrix) {
    fail_at(source, l.number,
            "motif " + motif.motif.id + " has a second letter-probability matrix");
  }
  motif.has_matrix = true;
  std::string_view rest = t.substr(25);
  if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
  std::optional<double> w;
  double nsites = 1;
  for (const auto& [key, value] : meme_keys(rest)) {
    if (key == "alength") {
      const double a = parse_value(value, "alength", source, l.number);
      if (a != 4) {
        fail_at(source, l.number,
                "alength= " + std::string(value) + ": only the DNA alphabet ACGT is supported");
      }
    } else if (key == "w") {
      w = parse_value(value, "w", source, l.number);
      if (*w != std::floor(*w)) {
        fail_at(source, l.number, "w= " + std::string(value) + " is not a whole number");
      }
    } else if (key == "nsites") {
      nsites = parse_value(value, "nsites", source, l.number);
      if (nsites <= 0) {
        fail_at(source, l.number, "nsites= " + std::string(value) + " is not positive");
      }
    }
  }
  // Rows: every non-blank line up to the next keyword line or the end of the file.
  std::vector<long> row_lines;
  std::vector<double> row_sums;
  std::size_t k = i + 1;
  for (; k < lines.size() && !is_meme_keyword(lines[k].text); ++k) {
    const Line& r = lines[k];
    if (r.text.empty()) continue;
    const auto words = split_words(r.text);
    if (words.size() != 4) {
      fail_at(source, r.number,
              "letter-probability matrix row has " + std::to_string(words.size()) +
                  " values, expected 4");
    }
    double sum = 0;
    for (std::size_t b = 0; b < 4; ++b) {
      const double p = parse_value(words[b], "probability", source, r.number);
      sum += p;
      motif.motif.counts[b].push_back(p * nsites);
    }
    row_lines.push_back(r.number);
    row_sums.push_back(sum);
  }
  if (w && static_cast<double>(row_lines.size()) != *w) {
    std::ostringstream msg;
    msg << "w= " << *w << " but " << row_lines.size()
        << (row_lines.size() == 1 ? " row follows" : " rows follow");
    fail_at(source, l.number, msg.str());
  }
  check_columns(motif.motif, source, l.number, row_lines);
  // Each row is one position's distribution: it sums to 1 up to the rounding of the printed
  // probabilities (kMemeRowTolerance); counts or percentages in a row are an error, not rescaled.
  for (std::size_t r = 0; r < row_sums.size(); ++r) {
    if (std::fabs(row_sums[r] - 1) <= kMemeRowTolerance) continue;
    std::ostringstream msg;
    msg << "letter-probability matrix row sums to " << row_sums[r] << ", not 1";
    fail_at(source, row_lines[r], msg.str());
  }
  return k;
}

}  // namespace

MotifSet parse_meme(std::string_view text, const std::string& source) {
  MotifSet set;
  set.name = source;
  const std::vector<Line> lines = split_lines(text);
  std::size_t i = 0;
  while (i < lines.size() && lines[i].text.empty()) ++i;
  if (i == lines.size()) fail_empty(source);
  if (!starts_with_word(lines[i].text, "MEME") ||
      !starts_with_word(trim(lines[i].text.substr(4)), "version")) {
    fail_at(source, lines[i].number,
            "not a MEME file: missing 'MEME version' line (expected as the first line)");
  }
  ++i;

  std::optional<MemeMotif> current;
  auto finish = [&] {
    if (!current) return;
    if (!current->has_matrix) {
      fail_at(source, current->motif_line,
              "motif " + current->motif.id + " has no letter-probability matrix");
    }
    set.motifs.push_back(std::move(current->motif));
    current.reset();
  };

  for (; i < lines.size(); ++i) {
    const Line& l = lines[i];
    const std::string_view t = l.text;
    if (t.empty() || starts_with_word(t, "URL") || t.substr(0, 8) == "strands:") continue;
    if (t.substr(0, 8) == "ALPHABET") {
      std::string_view value = trim(t.substr(8));
      if (!value.empty() && value[0] == '=') value = trim(value.substr(1));
      std::string upper(value);
      std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
        return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      });
      if (upper != "ACGT") {
        fail_at(source, l.number,
                "ALPHABET= " + std::string(value) + ": only the DNA alphabet ACGT is supported");
      }
      continue;
    }
    if (t.substr(0, 29) == "Background letter frequencies") {
      // The frequencies follow on the next non-blank line; mint uses its own background.
      std::size_t k = i + 1;
      while (k < lines.size() && lines[k].text.empty()) ++k;
      if (k < lines.size() && !is_meme_keyword(lines[k].text)) i = k;
      continue;
    }
    if (starts_with_word(t, "MOTIF")) {
      finish();
      const auto words = split_words(t.substr(5));
      if (words.empty()) fail_at(source, l.number, "MOTIF line has no motif id");
      current.emplace();
      current->motif_line = l.number;
      current->motif.id = std::string(words[0]);
      current->motif.name = words.size() > 1 ? std::string(words[1]) : current->motif.id;
      continue;
    }
    if (t.substr(0, 25) == "letter-probability matrix") {
      if (!current) fail_at(source, l.number, "letter-probability matrix before any MOTIF line");
      i = parse_meme_matrix(*current, lines, i, source) - 1;
      continue;
    }
    fail_at(source, l.number,
            "unexpected line " + quoted(t) + " (expected MOTIF, letter-probability matrix or URL)");
  }
  finish();
  if (set.motifs.empty()) fail_at(source, lines.back().number, "no motifs found (no MOTIF line)");
  return set;
}

MotifSet read_motif_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path + ": cannot open: " + std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw FileError(path + ": read error: " + std::strerror(errno));

  // MEME when any line opens with "MEME version", or when the first non-blank line is a MEME
  // keyword (so a MEME file that lacks its version line says so, rather than failing as JASPAR).
  bool meme = false;
  bool first = true;
  for (const Line& l : split_lines(text)) {
    if (l.text.empty()) continue;
    if (starts_with_word(l.text, "MEME") && starts_with_word(trim(l.text.substr(4)), "version")) {
      meme = true;
      break;
    }
    if (first && (starts_with_word(l.text, "MOTIF") || l.text.substr(0, 8) == "ALPHABET" ||
                  l.text.substr(0, 25) == "letter-probability matrix")) {
      meme = true;
      break;
    }
    first = false;
  }
  return meme ? parse_meme(text, path) : parse_jaspar(text, path);
}

MotifSet load_motifs(const std::string& name_or_path) {
  std::string names;
  for (const BundledMotifSet& b : bundled_motif_sets()) {
    if (name_or_path == b.name) {
      MotifSet set = parse_jaspar(b.jaspar_text, "<bundled " + name_or_path + ">");
      set.name = name_or_path;
      return set;
    }
    names += names.empty() ? "" : ", ";
    names += b.name;
  }
  std::error_code ec;
  if (std::filesystem::exists(name_or_path, ec)) return read_motif_file(name_or_path);
  const std::string what = "unknown motif set '" + name_or_path + "': not a bundled set (" + names +
                           ") and no such file";
  // A name with a directory or an extension was meant as a file: a file-system error.
  if (name_or_path.find_first_of("/.") != std::string::npos) throw FileError(what);
  throw Error(what);
}

}  // namespace mint
