// Prediction and attribution of sequences that are already in GPU memory — the Python package's
// CUDA tensors, read through DLPack and never copied to the host. The same arithmetic as
// attribute_models and predict_each on the GPU: IG through IntegratedGradientsCuda, DeepLIFT
// through DeepLiftCuda, an ensemble's mean in float64 in model order (ensemble_device.cuh),
// logits through CnnBackend::forward_device_codes. Other methods take host arrays.
//
// Pointers named d_* are device memory of the current CUDA device. Each call synchronises the
// device on entry (whatever stream wrote the input has finished) and on return (the output is
// complete). Results are allocated here and freed with free_device. Without CUDA
// (attribute_device_stub.cpp) or without a GPU every function throws mint::Error.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model.hpp"
#include "pipeline/attribute.hpp"

namespace mint {

void set_cuda_device(int device);
void free_device(void* d) noexcept;

// (n, L) byte codes from (n, 4, L) float32 one-hot; nullptr when a position is not exactly one
// base at 1 and the others at 0 (NaN included). Free the codes with free_device.
std::uint8_t* onehot_codes_device(const float* d_x, std::int64_t n, int length);
// Whether every code is 0..3.
bool codes_valid_device(const std::uint8_t* d_codes, std::size_t size);

// IG or DeepLIFT (options.method) of the models, their mean: (n, 4, L) float32 device memory.
float* attribute_models_device(const std::vector<Model>& models, const std::uint8_t* d_codes,
                               std::int64_t n, int length, const AttributeOptions& options);

// Each model's logits, on the host.
std::vector<std::vector<float>> predict_each_device(const std::vector<Model>& models,
                                                    const std::uint8_t* d_codes, std::int64_t n,
                                                    int length);

}  // namespace mint
