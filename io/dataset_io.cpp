// Writing and loading simulated data sets. See dataset_io.hpp for the layout.
#include "io/dataset_io.hpp"

#include <unistd.h>

#include <bit>
#include <charconv>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"

namespace mint {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "mint-dataset";
constexpr int kFormatVersion = 1;

std::string shortest(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

std::string sequence_id(const SplitData& s, std::int64_t i) {
  return s.name + "_" + std::to_string(i);
}

json options_json(const Simulation& sim) {
  const SimulationOptions& o = sim.options;
  const DesignOptions& d = o.design;
  json design = {{"kind", to_string(d.kind)},
                 {"negatives", to_string(d.negatives)},
                 {"effect", to_string(d.effect)},
                 {"weights", d.weights},
                 {"interaction", effect_interaction(d)},
                 {"interaction_set", d.interaction_set},
                 {"train", d.train},
                 {"valid", d.valid},
                 {"test_positives", d.test_positives},
                 {"test_per_subset", d.test_per_subset},
                 {"test_per_count", d.test_per_count}};
  json j = {{"length", o.length},
            {"gc", o.gc},
            {"pseudocount", o.pseudocount},
            {"seed", o.seed},
            {"design", design}};
  // Written only when on, so data sets without the filter keep their files byte for byte.
  if (o.min_instance_score) j["min_instance_score"] = *o.min_instance_score;
  return j;
}

void write_split(const Simulation& sim, const SplitData& s, const std::string& dir,
                 const WriteOptions& options) {
  const int n = s.n_motifs, length = s.length;
  const std::int64_t count = s.size();
  const std::string base = dir + "/" + s.name;
  static const char letters[4] = {'A', 'C', 'G', 'T'};

  std::string fasta, truth, labels;
  // The FASTA text at once (">id presence=... label=...\n" and the bases), not by doubling:
  // simulation_bytes counts it so.
  if (options.fasta) fasta.reserve(static_cast<std::size_t>(count) * (length + kFastaHeader + n));
  truth = "#sequence\tstart\tend\tmotif_id\tmotif_name\n";
  labels = "sequence\tpresence\tn_present\tlabel\n";
  std::vector<std::uint8_t> presence(static_cast<std::size_t>(count) * n);
  for (std::int64_t i = 0; i < count; ++i) {
    const std::string id = sequence_id(s, i);
    const std::uint32_t mask = s.masks[i];
    const std::string bits = presence_bits(mask, n);
    const std::string label = shortest(s.labels[i]);
    for (int m = 0; m < n; ++m) presence[i * n + m] = static_cast<std::uint8_t>((mask >> m) & 1u);
    labels += id + "\t" + bits + "\t" + std::to_string(std::popcount(mask)) + "\t" + label + "\n";
    for (int m : sim.grammar.order) {
      if (!((mask >> m) & 1u)) continue;
      const int start = s.offsets[i] + sim.grammar.start[m];
      const Motif& motif = sim.motifs.motifs[m];
      truth += id + "\t" + std::to_string(start) + "\t" +
               std::to_string(start + static_cast<int>(motif.length())) + "\t" + motif.id + "\t" +
               motif.name + "\n";
    }
    if (options.fasta) {
      fasta += ">" + id + " presence=" + bits + " label=" + label + "\n";
      const std::uint8_t* row = s.codes.data() + i * length;
      for (int p = 0; p < length; ++p) fasta += letters[row[p]];
      fasta += '\n';
    }
  }
  write_npy<std::uint8_t>(base + ".seq.npy", {count, length}, s.codes.data());
  write_npy<std::uint8_t>(base + ".presence.npy", {count, n}, presence.data());
  write_npy<float>(base + ".labels.npy", {count}, s.labels.data());
  write_npy<std::int32_t>(base + ".offsets.npy", {count}, s.offsets.data());
  write_file_atomic(base + ".truth.tsv", truth);
  write_file_atomic(base + ".labels.tsv", labels);
  if (options.fasta) write_file_atomic(base + ".fasta", fasta);
  if (options.onehot) {
    std::vector<float> onehot(static_cast<std::size_t>(count) * 4 * length, 0.0f);
    for (std::int64_t i = 0; i < count; ++i) {
      for (int p = 0; p < length; ++p) {
        onehot[(i * 4 + s.codes[i * length + p]) * length + p] = 1.0f;
      }
    }
    write_npy<float>(base + ".onehot.npy", {count, 4, length}, onehot.data());
  }
}

}  // namespace

std::string presence_bits(std::uint32_t mask, int n) {
  std::string bits(n, '0');
  for (int m = 0; m < n; ++m)
    if ((mask >> m) & 1u) bits[m] = '1';
  return bits;
}

std::string subset_name(std::uint32_t mask, const MotifSet& motifs) {
  const std::vector<std::string> labels = motifs.labels();
  std::string name;
  for (std::size_t m = 0; m < motifs.size(); ++m) {
    if (!((mask >> m) & 1u)) continue;
    if (!name.empty()) name += "+";
    name += labels[m];
  }
  return name.empty() ? "none" : name;
}

std::string format_jaspar(const MotifSet& motifs) {
  std::string out;
  for (const Motif& m : motifs.motifs) {
    out += ">" + m.id + "\t" + m.name + "\n";
    for (int b = 0; b < 4; ++b) {
      out += kBases[b];
      out += "  [";
      for (double c : m.counts[b]) {
        out += ' ';
        out += shortest(c);
      }
      out += " ]\n";
    }
  }
  return out;
}

namespace {
void write_dataset_files(const Simulation& sim, const std::string& dir,
                         const WriteOptions& options);
}  // namespace

void write_dataset(const Simulation& sim, const std::string& dir, const WriteOptions& options) {
  // The largest split's text and one-hot buffers, checked before anything is written.
  for (const SplitData& s : sim.splits) {
    const auto n = static_cast<std::uint64_t>(s.size());
    const auto L = static_cast<std::uint64_t>(s.length);
    std::uint64_t bytes = bytes_of({n, L + 16});  // the labels' and truth's text, at least
    if (options.fasta) bytes = add_bytes(bytes, bytes_of({n, L + 1}));
    // The one-hot array and its .npy bytes.
    if (options.onehot) bytes = add_bytes(bytes, bytes_of({n, 4, L, 2 * sizeof(float)}));
    check_memory("writing split '" + s.name + "'" + (options.onehot ? " with --onehot" : ""), bytes,
                 std::to_string(n) + " sequences x " + std::to_string(L) + " bases");
  }
  make_directories(dir);
  // Every file is written into a staging directory inside `dir` and moved into place only when
  // all were written: a failed write leaves `dir` (an earlier data set, other files) as it was.
  namespace fs = std::filesystem;
  // Named as a temporary file (io/atomic_file.hpp), so the next run removes it once this process
  // is gone (a kill).
  const std::string stage = temporary_path(dir + "/.mint-simulate");
  std::error_code ec;
  fs::remove_all(stage, ec);
  make_directories(stage);
  try {
    write_dataset_files(sim, stage, options);
  } catch (...) {
    fs::remove_all(stage, ec);
    throw;
  }
  // dataset.json is moved last: its presence marks a complete data set, so the old one goes
  // first and a crash mid-move never shows a finished mix.
  try {
    fs::remove(dir + "/dataset.json");
    for (const SplitData& s : sim.splits) {
      // The optional files of an earlier data set written here would no longer match it.
      if (!options.fasta) fs::remove(dir + "/" + s.name + ".fasta");
      if (!options.onehot) fs::remove(dir + "/" + s.name + ".onehot.npy");
    }
    for (const fs::directory_entry& e : fs::directory_iterator(stage)) {
      if (e.path().filename() != "dataset.json") fs::rename(e.path(), dir / e.path().filename());
    }
    fs::rename(stage + "/dataset.json", dir + "/dataset.json");
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(stage, ec);
    throw FileError(dir + ": cannot move the data set into place: " + e.code().message());
  }
  fs::remove_all(stage, ec);
}

namespace {

void write_dataset_files(const Simulation& sim, const std::string& dir,
                         const WriteOptions& options) {
  write_file_atomic(dir + "/motifs.jaspar", format_jaspar(sim.motifs));

  std::string counts = "split\tsubset\tpresence\tn_present\tcount\n";
  json splits = json::array();
  for (std::size_t k = 0; k < sim.splits.size(); ++k) {
    const SplitData& s = sim.splits[k];
    const SplitPlan& plan = sim.plans[k];
    write_split(sim, s, dir, options);
    json groups = json::array();
    for (const Group& g : plan.groups) {
      const std::string name = subset_name(g.mask, sim.motifs);
      groups.push_back({{"mask", g.mask},
                        {"subset", name},
                        {"presence", presence_bits(g.mask, s.n_motifs)},
                        {"count", g.count}});
      counts += s.name + "\t" + name + "\t" + presence_bits(g.mask, s.n_motifs) + "\t" +
                std::to_string(std::popcount(g.mask)) + "\t" + std::to_string(g.count) + "\n";
    }
    splits.push_back(
        {{"name", s.name}, {"id", plan.id}, {"sequences", s.size()}, {"groups", groups}});
  }
  write_file_atomic(dir + "/counts.tsv", counts);

  json motifs = json::array();
  for (const Motif& m : sim.motifs.motifs) {
    motifs.push_back(
        {{"id", m.id}, {"name", m.name}, {"length", m.length()}, {"consensus", m.consensus()}});
  }
  const Grammar& g = sim.grammar;
  json doc = {{"format", kFormat},
              {"version", kFormatVersion},
              {"motif_set", sim.motifs.name},
              {"motifs", motifs},
              {"options", options_json(sim)},
              {"grammar",
               {{"filter_width", g.filter_width},
                {"order", g.order},
                {"gaps", g.gaps},
                {"start", g.start},
                {"length", g.length},
                {"span", g.span}}},
              {"splits", splits}};
  write_file_atomic(dir + "/dataset.json", doc.dump(2) + "\n");
}

}  // namespace

namespace {

// A dataset.json integer of type T (key `key` of object j): a number that is not an integer or
// does not fit T is an error naming the file and key, never truncated (nlohmann's conversion
// would wrap it, or be undefined for a large float).
template <typename T>
T integer_of(const json& v, const std::string& key, const std::string& meta_path) {
  bool ok = false;
  if (v.is_number_unsigned()) {
    ok = v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    ok = i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
         (i < 0 || static_cast<std::uint64_t>(i) <=
                       static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
  }
  if (!ok) {
    throw Error(meta_path + ": key '" + key + "' is " + v.dump() + ", not an integer in [" +
                std::to_string(std::numeric_limits<T>::min()) + ", " +
                std::to_string(std::numeric_limits<T>::max()) + "]");
  }
  return v.is_number_unsigned() ? static_cast<T>(v.get<std::uint64_t>())
                                : static_cast<T>(v.get<std::int64_t>());
}

template <typename T>
T integer_at(const json& j, const char* key, const std::string& meta_path) {
  return integer_of<T>(j.at(key), key, meta_path);
}

// A list of ints (key `key` of object j), each checked as integer_of.
std::vector<int> ints_at(const json& j, const char* key, const std::string& meta_path) {
  const json& v = j.at(key);
  if (!v.is_array()) throw Error(meta_path + ": key '" + key + "' is not a list");
  std::vector<int> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(
        integer_of<int>(v[i], std::string(key) + "[" + std::to_string(i) + "]", meta_path));
  }
  return out;
}

template <typename T>
std::vector<T> load_array(const std::string& path, const std::vector<std::int64_t>& shape,
                          const char* dtype) {
  const NpyArray a = read_npy(path);
  if (a.dtype != dtype) {
    throw Error(path + ": dtype " + a.dtype + ", expected " + dtype);
  }
  if (a.shape != shape) {
    std::string want, got;
    for (auto d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    for (auto d : a.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    throw Error(path + ": shape (" + got + "), dataset.json says (" + want + ")");
  }
  return a.to_vector<T>();
}

}  // namespace

Simulation load_dataset(const std::string& dir) {
  const std::string meta_path = dir + "/dataset.json";
  if (!std::filesystem::exists(meta_path)) {
    throw FileError(dir +
                    ": not a mint data set (no dataset.json; an interrupted `mint simulate` "
                    "leaves none)");
  }
  json doc;
  try {
    doc = json::parse(read_file(meta_path));
  } catch (const json::exception& e) {
    throw Error(meta_path + ": invalid JSON: " + e.what());
  }
  Simulation sim;
  try {
    if (doc.at("format") != kFormat) throw Error(meta_path + ": not a mint data set");
    if (doc.at("version").get<int>() > kFormatVersion) {
      throw Error(meta_path + ": format version " + doc.at("version").dump() +
                  " is newer than this mint understands");
    }
    sim.motifs = read_motif_file(dir + "/motifs.jaspar");
    sim.motifs.name = doc.at("motif_set").get<std::string>();
    const json& o = doc.at("options");
    sim.options.length = integer_at<int>(o, "length", meta_path);
    sim.options.gc = o.at("gc");
    sim.options.pseudocount = o.at("pseudocount");
    sim.options.seed = integer_at<std::uint64_t>(o, "seed", meta_path);
    if (o.contains("min_instance_score") && !o.at("min_instance_score").is_null()) {
      sim.options.min_instance_score = o.at("min_instance_score").get<double>();
    }
    const json& d = o.at("design");
    DesignOptions& design = sim.options.design;
    design.kind = parse_design(d.at("kind"));
    design.negatives = parse_negatives(d.at("negatives"));
    design.effect = parse_effect(d.at("effect"));
    design.weights = d.at("weights").get<std::vector<double>>();
    design.interaction = d.at("interaction");
    design.interaction_set = d.at("interaction_set");
    design.train = integer_at<std::int64_t>(d, "train", meta_path);
    design.valid = integer_at<std::int64_t>(d, "valid", meta_path);
    design.test_positives = integer_at<std::int64_t>(d, "test_positives", meta_path);
    design.test_per_subset = integer_at<std::int64_t>(d, "test_per_subset", meta_path);
    design.test_per_count = integer_at<std::int64_t>(d, "test_per_count", meta_path);
    const json& g = doc.at("grammar");
    sim.grammar.filter_width = integer_at<int>(g, "filter_width", meta_path);
    sim.grammar.order = ints_at(g, "order", meta_path);
    sim.grammar.gaps = ints_at(g, "gaps", meta_path);
    sim.grammar.start = ints_at(g, "start", meta_path);
    sim.grammar.length = ints_at(g, "length", meta_path);
    sim.grammar.span = integer_at<int>(g, "span", meta_path);
    sim.options.grammar.filter_width = sim.grammar.filter_width;
    sim.options.grammar.order = sim.grammar.order;
    sim.options.grammar.gaps = sim.grammar.gaps;
    const int n = static_cast<int>(sim.motifs.size());
    if (static_cast<int>(sim.grammar.start.size()) != n) {
      throw Error(meta_path + ": grammar has " + std::to_string(sim.grammar.start.size()) +
                  " motifs, motifs.jaspar has " + std::to_string(n));
    }
    for (const json& js : doc.at("splits")) {
      SplitPlan plan;
      plan.name = js.at("name");
      plan.id = integer_at<std::uint32_t>(js, "id", meta_path);
      for (const json& jg : js.at("groups")) {
        plan.groups.push_back({integer_at<std::uint32_t>(jg, "mask", meta_path),
                               integer_at<std::int64_t>(jg, "count", meta_path)});
      }
      sim.plans.push_back(plan);
    }
  } catch (const json::exception& e) {
    throw Error(meta_path + ": missing or malformed field: " + e.what());
  }

  const int n = static_cast<int>(sim.motifs.size());
  const int length = sim.options.length;
  for (const SplitPlan& plan : sim.plans) {
    const std::string base = dir + "/" + plan.name;
    const std::int64_t count = plan.total();
    SplitData s;
    s.name = plan.name;
    s.length = length;
    s.n_motifs = n;
    s.codes = load_array<std::uint8_t>(base + ".seq.npy", {count, length}, "u1");
    for (std::size_t i = 0; i < s.codes.size(); ++i) {
      if (s.codes[i] > 3) {
        throw Error(base + ".seq.npy: code " + std::to_string(s.codes[i]) + " at sequence " +
                    std::to_string(i / length) + ", position " + std::to_string(i % length) +
                    " (expected 0..3 = A,C,G,T)");
      }
    }
    const auto presence = load_array<std::uint8_t>(base + ".presence.npy", {count, n}, "u1");
    s.labels = load_array<float>(base + ".labels.npy", {count}, "f4");
    s.offsets = load_array<std::int32_t>(base + ".offsets.npy", {count}, "i4");
    s.masks.resize(count);
    std::int64_t i = 0;
    for (const Group& g : plan.groups) {
      for (std::int64_t k = 0; k < g.count; ++k, ++i) {
        std::uint32_t mask = 0;
        for (int m = 0; m < n; ++m) {
          const std::uint8_t bit = presence[i * n + m];
          if (bit > 1)
            throw Error(base + ".presence.npy: value " + std::to_string(bit) + " at sequence " +
                        std::to_string(i) + " (expected 0 or 1)");
          mask |= static_cast<std::uint32_t>(bit) << m;
        }
        if (mask != g.mask) {
          throw Error(base + ".presence.npy: sequence " + std::to_string(i) + " has presence " +
                      presence_bits(mask, n) + ", dataset.json's groups say " +
                      presence_bits(g.mask, n));
        }
        s.masks[i] = mask;
        const int offset = s.offsets[i];
        if (offset < 0 || offset + sim.grammar.span > length) {
          throw Error(base + ".offsets.npy: offset " + std::to_string(offset) + " of sequence " +
                      std::to_string(i) + " puts the grammar outside the sequence");
        }
      }
    }
    sim.splits.push_back(std::move(s));
  }
  return sim;
}

}  // namespace mint
