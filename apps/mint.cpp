// mint — the command-line tool. Subcommands live in apps/cmd_*.cpp; this file parses the
// command line and turns every error into one line on stderr and a non-zero exit:
//   exit 1: a mint::Error (bad input file, impossible option combination, ...)
//   exit 2 or CLI11's code: the command line itself could not be parsed, or a numeric value
//                           is outside its range (105, apps/options.hpp)
#include <csignal>
#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "core/device_memory.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/progress.hpp"

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported as any failed write,
  // instead of killing mint silently.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "mint — simulate genomic sequences with interacting motifs, train CNNs on them,\n"
      "attribute their predictions and score each attribution per motif."};
  app.name("mint");
  app.set_version_flag("--version", "mint 0.1.0");
  app.require_subcommand(1);
  mint::cli::add_motifs_command(app);
  mint::cli::add_simulate_command(app);
  mint::cli::add_train_command(app);
  mint::cli::add_predict_command(app);
  mint::cli::add_evaluate_command(app);
  mint::cli::add_auprc_command(app);
  mint::cli::add_attribute_command(app);
  mint::cli::add_score_command(app);
  mint::cli::add_experiment_command(app);
  mint::cli::add_report_command(app);
  mint::cli::add_stream_command(app);
  try {
    // A malformed MINT_MEMORY_LIMIT or MINT_DEVICE_MEMORY_LIMIT stops every command at once.
    mint::memory_limit();
    mint::device_memory_limit();
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ValidationError& e) {
    // A value out of its range (apps/options.hpp): the message names the flag and the range.
    mint::end_open_lines();
    std::fprintf(stderr, "mint: error: %s\n", e.what());
    return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
  } catch (const CLI::ParseError& e) {
    mint::end_open_lines();
    std::fprintf(stderr, "mint: error: %s (see mint --help)\n", e.what());
    return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
  } catch (const mint::Error& e) {
    mint::end_open_lines();
    std::fprintf(stderr, "mint: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // The up-front checks (core/limits.hpp) catch the sizes they know; this names the command.
    mint::end_open_lines();
    const auto cmds = app.get_subcommands();
    std::fprintf(stderr,
                 "mint: error: %s: out of memory (an allocation failed; try smaller sizes or "
                 "fewer --threads)\n",
                 cmds.empty() ? "mint" : cmds.front()->get_name().c_str());
    return 1;
  } catch (const std::exception& e) {
    mint::end_open_lines();
    std::fprintf(stderr, "mint: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
