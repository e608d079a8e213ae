// Adam on the CPU (adam.hpp): mint::adam_update per element.
#include "ops/adam/adam.hpp"

namespace mint {

void adam_update_cpu(const AdamStep& step, std::size_t count, const float* grads, float* params,
                     float* m, float* v, int threads) {
  const auto size = static_cast<std::ptrdiff_t>(count);
#pragma omp parallel for num_threads(threads) schedule(static) if (size > 4096)
  for (std::ptrdiff_t e = 0; e < size; ++e) adam_update(step, grads[e], params[e], m[e], v[e]);
}

}  // namespace mint
