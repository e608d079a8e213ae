// The device-resident chunk runner of `mint stream --device cuda` (docs/stream.md, "On a GPU"):
// per chunk, on one CUDA stream, only per-sequence values leave the device.
//
//   sample        the chunk's codes into device memory (SamplerCuda: the tables uploaded once);
//                 the host gives each sequence's presence mask and grammar offset (cheap), the
//                 device labels every (sequence, motif present) row: (rows, L) labels and
//                 include masks (pipeline/score_core.hpp's truth_at / motif_label) and each
//                 row's positive and negative counts, which come back
//   predict_each  a seed model's logits from the device codes (CnnBackend::forward_device_codes)
//   score         IG or DeepLIFT (IntegratedGradientsCuda / DeepLiftCuda, one object per model
//                 file), the ensemble's mean (float64 sum over the files, divided, cast: as
//                 attribute_models), position scores (score_core.hpp's position_score), each
//                 row's scores gathered and scored with score_rows_cuda_device; the per-row
//                 AUPRC / AP / AUROC and status bytes come back, plus the sampled sequences'
//                 attributions (--save-attributions); the pooled histograms are counted on the
//                 device (atomicAdd on 64-bit integers: deterministic)
//   discard       drops what flush would add, and the chunk's buffers (after DeviceOutOfMemory)
//   flush         adds the device's pooled counts into the ShardState (PooledHistogram::
//                 add_counts) and zeroes them: call before every checkpoint and at the end
//
// Methods without a device class (grad, saliency, ixg, fp, ism) are not taken here: the stream
// attributes them through the host path (needs_host_codes(): the codes are then also copied back).
// The rows equal label_motif_rows' (by sequence, then motif; sequence indices within the chunk),
// with score_labelled_rows' curves and warnings; a row the CPU would reject throws mint::Error
// with the CPU's message ("model M, ig, sequences a to b: row r: Input contains NaN.").
//
// Without CUDA (stream_device_stub.cpp) or without a GPU the constructor throws mint::Error.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ops/sampler/sampler.hpp"
#include "pipeline/stream/stream.hpp"
#include "pipeline/stream/stream_state.hpp"

namespace mint::stream {

class DeviceStream {
 public:
  DeviceStream(const StreamOptions& options, const Simulation& sim, const SamplerTables& tables);
  ~DeviceStream();
  DeviceStream(const DeviceStream&) = delete;
  DeviceStream& operator=(const DeviceStream&) = delete;

  // IG and DeepLIFT; the others go through attribute_models on the host.
  static bool attributes(Method method) {
    return method == Method::ig || method == Method::deeplift;
  }
  // Some method of the options is attributed on the host, which needs the codes.
  bool needs_host_codes() const;

  // Samples sequences [first, first + count) of the stream on the device and labels their rows;
  // masks and offsets (count) are the sequences' presence masks and grammar offsets. codes
  // (count * L, host) receives the codes when not null.
  void sample(std::int64_t first, std::int64_t count, const std::vector<std::uint32_t>& masks,
              const std::vector<std::int32_t>& offsets, std::uint8_t* codes);
  // Every seed model's logits of `model` for the sampled chunk (as Predictor::predict_each).
  std::vector<std::vector<float>> predict_each(int model);
  // The sampled chunk attributed with `model` × `method` (attributes(method) must hold), scored
  // per row; the pooled counts are added on the device and the sampled attributions written
  // into state.sample.
  std::vector<MotifScore> score(int model, int method, ShardState& state);
  // The pooled counts since the last flush, added into state.groups; the device's zeroed.
  void flush(ShardState& state);
  // After running out of device memory: drops the pooled counts since the last flush (the
  // caller goes back to its last checkpoint) and frees the chunk's buffers, so that a smaller
  // chunk starts from free memory.
  void discard();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mint::stream
