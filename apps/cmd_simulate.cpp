// `mint simulate`: sample a data set (SPEC §3) and write it to --out (dataset_io.hpp).
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "io/dataset_io.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/simulate.hpp"

namespace mint::cli {

namespace {

struct SimulateArgs {
  std::string motifs = "distinct_1";
  std::string out;
  std::string design = "classification";
  std::string negatives = "with-subsets";
  std::string effect = "additive";
  std::string order = "file";
  std::string device = "auto";
  std::vector<int> gaps;
  std::vector<double> weights;
  double interaction = 0;
  double min_instance_score_value = 0;  // --min-instance-score, copied into options if given
  int threads = 0;
  bool onehot = false;
  bool no_fasta = false;
  SimulationOptions options;
};

std::vector<int> parse_order(const std::string& s, int n) {
  if (s == "file" || s == "random") return {};
  std::vector<int> order;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      order.push_back(std::stoi(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error("--order: '" + item +
                  "' is not a motif index (expected file, random or a "
                  "comma-separated permutation of 0.." +
                  std::to_string(n - 1) + ")");
    }
  }
  return order;
}

void run_simulate(SimulateArgs& a, bool interaction_given) {
  SimulationOptions& o = a.options;
  const MotifSet motifs = load_motifs(a.motifs);
  o.design.kind = parse_design(a.design);
  o.design.negatives = parse_negatives(a.negatives);
  o.design.effect = parse_effect(a.effect);
  o.design.weights = a.weights;
  o.design.interaction = a.interaction;
  o.design.interaction_set = interaction_given;
  o.grammar.gaps = a.gaps;
  o.grammar.random_order = a.order == "random";
  o.grammar.order = parse_order(a.order, static_cast<int>(motifs.size()));
  const Backend backend = resolve_backend(parse_device(a.device));
  const bool cuda = backend == Backend::cuda;

  const auto t0 = std::chrono::steady_clock::now();
  const Simulation sim = simulate(motifs, o, backend, a.threads);
  const double sample_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_dataset(sim, a.out, WriteOptions{!a.no_fasta, a.onehot});

  std::int64_t total = 0;
  for (const SplitData& s : sim.splits) total += s.size();
  std::printf("mint simulate: %s, %s", motifs.name.c_str(), to_string(o.design.kind).c_str());
  if (o.design.kind == DesignKind::classification) {
    std::printf(" (negatives %s)", to_string(o.design.negatives).c_str());
  } else {
    std::printf(" (effect %s)", to_string(o.design.effect).c_str());
  }
  std::printf(", L = %d, seed %llu\n", o.length, static_cast<unsigned long long>(o.seed));
  std::printf("grammar (K = %d, span %d):", sim.grammar.filter_width, sim.grammar.span);
  for (std::size_t i = 0; i < sim.grammar.order.size(); ++i) {
    const Motif& m = motifs.motifs[sim.grammar.order[i]];
    std::printf(" %s[%zu]", m.name.c_str(), m.length());
    if (i + 1 < sim.grammar.order.size()) std::printf(" -%d-", sim.grammar.gaps[i]);
  }
  std::printf("\n");
  if (o.min_instance_score) {
    std::printf("instances re-drawn below %g x the consensus's log-odds score; first draws kept:",
                *o.min_instance_score);
    const std::vector<std::string> labels = motifs.labels();
    for (std::size_t m = 0; m < sim.first_draws_kept.size(); ++m) {
      std::printf(" %s %.1f%%", labels[m].c_str(), 100 * sim.first_draws_kept[m]);
    }
    std::printf("\n");
  }
  for (std::size_t k = 0; k < sim.splits.size(); ++k) {
    const SplitData& s = sim.splits[k];
    std::int64_t positives = 0;
    for (float y : s.labels) positives += y == 1.0f;
    std::printf("  %-5s %8lld sequences in %zu subsets", s.name.c_str(),
                static_cast<long long>(s.size()), sim.plans[k].groups.size());
    if (o.design.kind == DesignKind::classification) {
      std::printf(" (%lld positives)", static_cast<long long>(positives));
    }
    std::printf("\n");
  }
  std::printf("sampled %lld sequences on %s in %.3f s (%.0f sequences/s); wrote %s/\n",
              static_cast<long long>(total), cuda ? "cuda" : "cpu", sample_s,
              static_cast<double>(total) / std::max(sample_s, 1e-9), a.out.c_str());
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto a = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand("simulate", "Simulate a data set with a motif grammar");
  cmd->add_option("--motifs", a->motifs, "Bundled set (distinct_1, MEF2A) or JASPAR/MEME file")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output directory")->required();
  cmd->add_option("--design", a->design, "classification or regression")->capture_default_str();
  cmd->add_option("--negatives", a->negatives,
                  "Classification negatives: with-subsets (M_w) or without (M_wo)")
      ->capture_default_str();
  cmd->add_option("--effect", a->effect,
                  "Regression effect: additive, enhancing, inhibiting, quadratic")
      ->capture_default_str();
  auto* interaction =
      cmd->add_option("--interaction", a->interaction,
                      "Interaction strength c (default +2 enhancing, -2 inhibiting)");
  cmd->add_option("--weights", a->weights, "Main effects w_i, one per motif (default 1)")
      ->delimiter(',');
  auto& o = a->options;
  auto& d = o.design;
  cmd->add_option("--train", d.train, "Training sequences")->capture_default_str();
  cmd->add_option("--valid", d.valid, "Validation sequences")->capture_default_str();
  cmd->add_option("--test-positives", d.test_positives, "Classification test positives")
      ->capture_default_str();
  cmd->add_option("--test-per-subset", d.test_per_subset,
                  "Classification test sequences per proper subset")
      ->capture_default_str();
  cmd->add_option("--test-per-count", d.test_per_count,
                  "Regression test sequences per number of present motifs")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  cmd->add_option("--length", o.length, "Sequence length L")->capture_default_str();
  cmd->add_option("--gc", o.gc, "Background GC content")->capture_default_str();
  cmd->add_option("--pseudocount", o.pseudocount, "Pseudocount on PWM column frequencies")
      ->capture_default_str();
  auto* min_score = cmd->add_option(
      "--min-instance-score", a->min_instance_score_value,
      "Re-draw motif instances scoring below this fraction (0-1) of the consensus's "
      "log-odds (default: off, as SPEC)");
  cmd->add_option("--filter-width", o.grammar.filter_width,
                  "CNN filter width K the gaps are drawn for (default: longest motif)");
  cmd->add_option("--order", a->order,
                  "Grammar order: file, random, or a permutation such as 2,0,1,3")
      ->capture_default_str();
  cmd->add_option("--gaps", a->gaps, "Explicit gaps between consecutive motifs (each > K)")
      ->delimiter(',');
  cmd->add_option("--device", a->device, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (default: all)");
  cmd->add_flag("--onehot", a->onehot, "Also write <split>.onehot.npy, float32 (N, 4, L)");
  cmd->add_flag("--no-fasta", a->no_fasta, "Skip the FASTA files");
  cmd->callback([a, interaction, min_score] {
    // CLI11 2.1 has no std::optional options: set the option only when the flag was given.
    if (min_score->count() > 0) a->options.min_instance_score = a->min_instance_score_value;
    run_simulate(*a, interaction->count() > 0);
  });
}

}  // namespace mint::cli
