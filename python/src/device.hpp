// GPU arrays (CUDA tensors through DLPack) in place: the sequences are read where they are and
// the attributions stay on the device (pipeline/attribute_device.hpp). Only IG and DeepLIFT
// attribute device arrays; without CUDA or a GPU the call raises ValueError saying why.
#pragma once

#include "common.hpp"
#include "core/model.hpp"
#include "pipeline/attribute.hpp"

namespace mint::py {

bool on_gpu(const AnyArray& x);

// (N, 4, L) float32 device array owned by a capsule (cudaFree), DLPack-exportable.
nb::object attribute_gpu(const std::vector<Model>& models, const AnyArray& x,
                         const AttributeOptions& options);

// (M, N) logits on the host.
std::vector<std::vector<float>> predict_gpu(const std::vector<Model>& models, const AnyArray& x);

}  // namespace mint::py
