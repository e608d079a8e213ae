// placeholder (being written)
#include "commands.hpp"
namespace mint::cli {
void add_experiment_command(CLI::App&) {}
}  // namespace mint::cli
