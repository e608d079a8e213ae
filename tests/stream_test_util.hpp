// The small stream the stream tests share (test_stream, test_stream_device): distinct_1 at
// L 120, seed 5, M_w (two random seed models) and M_wo (one) of a small CNN, one thread, 5
// sampled attributions, a checkpoint after every chunk. Each test sets its design size, methods
// and bootstrap on top.
#pragma once

#include <string>

#include "model_test_util.hpp"
#include "pipeline/stream/stream.hpp"

namespace mint::test {

inline ModelConfig small_stream_config() {
  ModelConfig c;
  c.length = 120;
  c.filters = 6;
  c.width = 8;
  c.pool = 4;
  c.hidden1 = 8;
  c.hidden2 = 6;
  return c;
}

inline StreamOptions small_stream_base(const std::string& out) {
  StreamOptions o;
  o.motifs = load_motifs("distinct_1");
  o.set = "distinct_1";
  o.simulation.seed = 5;
  o.simulation.length = 120;
  const ModelConfig c = small_stream_config();
  o.models = {{"M_w", {random_model(c, 1), random_model(c, 2)}, {}},
              {"M_wo", {random_model(c, 3)}, {}}};
  o.attribute.ig_steps = 8;
  o.attribute.compute.threads = 1;
  o.save_attributions = 5;
  o.checkpoint_seconds = 0;
  o.out = out;
  return o;
}

}  // namespace mint::test
