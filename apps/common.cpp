// Shared CLI flags. See common.hpp.
#include "common.hpp"

#include "core/error.hpp"

namespace mint::cli {

void ModelFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--length", length, "Sequence length L, if the model file does not record it");
  cmd->add_option("--pool-width", pool, "Max-pool width P, if the model file does not record it");
  cmd->add_option("--padding", padding, "Conv padding: same or valid (settles an ambiguity)");
  cmd->add_option("--activation", activation, "First-layer activation: relu or exp");
}

ModelHints ModelFlags::hints() const {
  ModelHints h;
  if (length > 0) h.length = length;
  if (pool > 0) h.pool = pool;
  if (!padding.empty()) h.padding = parse_padding(padding);
  if (!activation.empty()) h.activation = parse_activation(activation);
  return h;
}

void DeviceFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--device", device, "auto, cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", threads, "CPU threads (default: all)");
}

Compute DeviceFlags::compute() const {
  Compute c;
  c.device = parse_device(device);
  c.threads = threads;
  return c;
}

void require_value(const char* option, const std::string& value) {
  if (value.empty()) throw Error(std::string(option) + ": the value is empty");
}

void check_table_name(const char* option, const std::string& value) {
  if (value.find_first_of("\t\n\r") != std::string::npos) {
    throw Error(std::string(option) + ": the name may not contain tabs or line breaks");
  }
}

}  // namespace mint::cli
