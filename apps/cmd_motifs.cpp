// `mint motifs SET|FILE`: the motifs' table (id, name, length, consensus, information content)
// and their pairwise Pearson similarity (Biopython's dist_pearson on log-odds PSSMs).
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "core/motif.hpp"
#include "options.hpp"

namespace mint::cli {

void add_motifs_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("motifs",
                                 "Show a motif set: lengths, consensus, information "
                                 "content and pairwise similarity");
  auto source = std::make_shared<std::string>();
  auto eps = std::make_shared<double>(kDefaultPseudocount);
  cmd->add_option("motifs", *source, "A bundled set (distinct_1, MEF2A) or a JASPAR/MEME file")
      ->required();
  cmd->add_option("--pseudocount", *eps, "Pseudocount on column frequencies")
      ->transform(number(0, kInf))
      ->capture_default_str();
  cmd->callback([source, eps] {
    const MotifSet set = load_motifs(*source);
    std::printf("motif set: %s (%zu motifs, pseudocount %g)\n\n", set.name.c_str(), set.size(),
                *eps);
    std::printf("%-3s %-10s %-10s %6s  %-20s %8s\n", "#", "id", "name", "length", "consensus",
                "IC bits");
    for (std::size_t i = 0; i < set.size(); ++i) {
      const Motif& m = set.motifs[i];
      std::printf("%-3zu %-10s %-10s %6zu  %-20s %8.3f\n", i, m.id.c_str(), m.name.c_str(),
                  m.length(), m.consensus().c_str(), m.information_content(*eps));
    }
    std::printf("\nPearson similarity (Biopython dist_pearson on log-odds PSSMs: 1 - distance)\n");
    std::printf("%-10s", "");
    for (const Motif& m : set.motifs) std::printf(" %9.9s", m.id.c_str());
    std::printf("\n");
    for (const Motif& a : set.motifs) {
      std::printf("%-10.10s", a.id.c_str());
      for (const Motif& b : set.motifs) {
        std::printf(" %9.3f", motif_similarity(a, b, *eps).correlation);
      }
      std::printf("\n");
    }
  });
}

}  // namespace mint::cli
