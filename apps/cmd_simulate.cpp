// `mint simulate`: sample a data set (SPEC §3) and write it to --out (dataset_io.hpp).
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "core/device.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/dataset_io.hpp"
#include "ops/sampler/sampler.hpp"
#include "pipeline/simulate.hpp"

namespace mint::cli {

namespace {

struct SimulateArgs {
  SimulationFlags simulation;
  std::string out;
  std::string device = "auto";
  int threads = 0;
  bool onehot = false;
  bool no_fasta = false;
};

void run_simulate(SimulateArgs& a) {
  const MotifSet motifs = load_motifs(a.simulation.motifs);
  const SimulationOptions o = a.simulation.resolve(motifs);
  check_threads(a.threads, "--threads");
  const Backend backend = resolve_backend(parse_device(a.device));
  const bool cuda = backend == Backend::cuda;

  const auto t0 = std::chrono::steady_clock::now();
  const Simulation sim = simulate(motifs, o, backend, a.threads);
  const double sample_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // A failed write (a full disk, ulimit -f) removes the directory it made, not half a data set.
  OutputDirectory out(a.out);
  write_dataset(sim, a.out, WriteOptions{!a.no_fasta, a.onehot});
  out.commit();

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
  cmd->add_option("--out", a->out, "Output directory")->required();
  a->simulation.add_to(cmd);
  cmd->add_option("--device", a->device, "auto, cpu or cuda")->capture_default_str();
  add_threads_option(cmd, a->threads);
  cmd->add_flag("--onehot", a->onehot, "Also write <split>.onehot.npy, float32 (N, 4, L)");
  cmd->add_flag("--no-fasta", a->no_fasta, "Skip the FASTA files");
  cmd->callback([a] { run_simulate(*a); });
}

}  // namespace mint::cli
