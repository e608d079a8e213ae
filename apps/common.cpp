// Shared CLI flags. See common.hpp.
#include "common.hpp"

#include <sstream>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "ops/ig/ig.hpp"
#include "options.hpp"

namespace mint::cli {

void ModelFlags::add_to(CLI::App* cmd, bool with_length) {
  if (with_length) {
    cmd->add_option("--length", length, "Sequence length L, if the model file does not record it")
        ->transform(integer(1, kMaxLength));
  }
  cmd->add_option("--pool-width", pool, "Max-pool width P, if the model file does not record it")
      ->transform(integer(1, kInt32Max));
  cmd->add_option("--padding", padding, "Conv padding: same or valid (settles an ambiguity)");
  cmd->add_option("--activation", activation, "First-layer activation: relu or exp");
  cmd->add_option("--arch", arch,
                  "A general sequential model's architecture (JSON), if the model file does not "
                  "hold it");
}

ModelHints ModelFlags::hints() const {
  ModelHints h;
  if (length > 0) h.length = length;
  if (pool > 0) h.pool = pool;
  if (!padding.empty()) h.padding = parse_padding(padding);
  if (!activation.empty()) h.activation = parse_activation(activation);
  h.arch = arch;
  return h;
}

void DeviceFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--device", device, "auto, cpu or cuda")->capture_default_str();
  add_threads_option(cmd, threads);
}

Compute DeviceFlags::compute() const {
  check_threads(threads, "--threads");
  Compute c;
  c.device = parse_device(device);
  c.threads = threads;
  return c;
}

namespace {

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

}  // namespace

void SimulationFlags::add_to(CLI::App* cmd, bool train_sizes) {
  cmd->add_option("--motifs", motifs, "Bundled set (distinct_1, MEF2A) or JASPAR/MEME file")
      ->capture_default_str();
  cmd->add_option("--design", design, "classification or regression")->capture_default_str();
  cmd->add_option("--negatives", negatives,
                  "Classification negatives: with-subsets (M_w) or without (M_wo)")
      ->capture_default_str();
  cmd->add_option("--effect", effect,
                  "Regression effect: additive, enhancing, inhibiting, quadratic")
      ->capture_default_str();
  interaction_option = cmd->add_option(
      "--interaction", interaction, "Interaction strength c (default +2 enhancing, -2 inhibiting)");
  interaction_option->transform(finite());
  cmd->add_option("--weights", weights, "Main effects w_i, one per motif (default 1)")
      ->delimiter(',')
      ->transform(finite());
  auto& d = options.design;
  const CLI::Validator size = integer(0, kMaxSplitSize);
  if (train_sizes) {
    cmd->add_option("--train", d.train, "Training sequences")->capture_default_str()->check(size);
    cmd->add_option("--valid", d.valid, "Validation sequences")->capture_default_str()->check(size);
  }
  cmd->add_option("--test-positives", d.test_positives, "Classification test positives")
      ->capture_default_str()
      ->check(size);
  cmd->add_option("--test-per-subset", d.test_per_subset,
                  "Classification test sequences per proper subset")
      ->capture_default_str()
      ->check(size);
  cmd->add_option("--test-per-count", d.test_per_count,
                  "Regression test sequences per number of present motifs")
      ->capture_default_str()
      ->check(size);
  cmd->add_option("--seed", options.seed, "Random seed")
      ->capture_default_str()
      ->transform(unsigned64());
  cmd->add_option("--length", options.length, "Sequence length L")
      ->capture_default_str()
      ->transform(integer(1, kMaxLength));
  cmd->add_option("--gc", options.gc, "Background GC content")
      ->capture_default_str()
      ->transform(number(0, 1));
  cmd->add_option("--pseudocount", options.pseudocount, "Pseudocount on PWM column frequencies")
      ->capture_default_str()
      ->transform(number(0, kInf));
  min_score_option = cmd->add_option(
      "--min-instance-score", min_instance_score,
      "Re-draw motif instances scoring below this fraction (0-1) of the consensus's "
      "log-odds (default: off, as SPEC)");
  min_score_option->transform(number(0, 1));
  cmd->add_option("--filter-width", options.grammar.filter_width,
                  "CNN filter width K the gaps are drawn for (default: longest motif)")
      ->transform(integer(1, kMaxLength));
  cmd->add_option("--order", order, "Grammar order: file, random, or a permutation such as 2,0,1,3")
      ->capture_default_str();
  cmd->add_option("--gaps", gaps, "Explicit gaps between consecutive motifs (each > K)")
      ->delimiter(',')
      ->transform(integer(0, kMaxLength));
}

SimulationOptions SimulationFlags::resolve(const MotifSet& set) {
  SimulationOptions o = options;
  o.design.kind = parse_design(design);
  o.design.negatives = parse_negatives(negatives);
  o.design.effect = parse_effect(effect);
  o.design.weights = weights;
  o.design.interaction = interaction;
  o.design.interaction_set = interaction_option != nullptr && interaction_option->count() > 0;
  o.grammar.gaps = gaps;
  o.grammar.random_order = order == "random";
  o.grammar.order = parse_order(order, static_cast<int>(set.size()));
  // CLI11 2.1 has no std::optional options: set the option only when the flag was given.
  if (min_score_option != nullptr && min_score_option->count() > 0) {
    o.min_instance_score = min_instance_score;
  }
  return o;
}

void AttributeFlags::add_to(CLI::App* cmd, const char* batch, const char* seed_name) {
  batch_flag = batch;
  cmd->add_option("--target", target, "Attribute the logit or the probability (logit, prob)")
      ->check(CLI::IsMember({"logit", "prob"}))
      ->capture_default_str();
  cmd->add_option("--target-index", target_index,
                  "Which output of a multi-output model to attribute (0-based)")
      ->capture_default_str()
      ->transform(integer(0, kInt32Max));
  cmd->add_option("--steps", steps, "Integrated Gradients: number of steps")
      ->capture_default_str()
      ->transform(integer(1, kMaxRiemannSteps));
  cmd->add_option("--ig-method", ig_method,
                  "gausslegendre, riemann_right, riemann_left, riemann_middle or riemann_trapezoid")
      ->capture_default_str();
  cmd->add_option("--deeplift-compat", compat,
                  "DeepLIFT: none (Captum with its 2026 fixes) or captum-0.8 (released Captum)")
      ->capture_default_str();
  cmd->add_option(batch, batch_size,
                  "Feature permutation: sequences permuted together (Captum's batch)")
      ->capture_default_str()
      ->transform(integer(2, 1 << 20, "a permutation needs two sequences"));
  cmd->add_option(seed_name, seed, "Feature permutation: seed of the permutations")
      ->capture_default_str()
      ->transform(unsigned64());
}

AttributeOptions AttributeFlags::options(const std::vector<Method>& methods) const {
  AttributeOptions o;
  o.target = parse_target(target);
  o.ig_method = parse_ig_method(ig_method);
  o.ig_steps = steps;
  o.compat = parse_deeplift_compat(compat);
  o.fp_batch = batch_size;
  o.fp_seed = seed;
  o.output = target_index;
  check_attribute_options(o, methods, batch_flag);  // bad --steps or batch: an error now
  return o;
}

CLI::Option* add_threads_option(CLI::App* cmd, int& threads) {
  return cmd->add_option("--threads", threads, "CPU threads (default: all)")
      ->transform(integer(0, kMaxThreads, "0: all cores"));
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
