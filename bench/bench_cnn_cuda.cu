// CUDA-events benchmark of the CNN's CUDA backend (ops/cnn/cnn_*.cu, ops/cnn/cnn_backend_cuda.cu).
//
//   ninja -C build bench_cnn_cuda && build/bench/bench_cnn_cuda
//
// Models: the paper's (F = 32, K = 12, P = 10, L = 250, same padding, BatchNorm, H1 64, H2 32)
// and the same with F = 4; random weights (init_model) with non-trivial BN running statistics.
//
// Before anything is timed, for each model: 64 random sequences through the CPU backend
// (make_cpu_backend) and the CUDA backend — eval logits, then train-mode logits, every
// parameter gradient and the input gradient — compared by relative norm (1e-5 logits, 1e-4
// gradients; the conv bias against a floor of 1e-2 × the gradient norm, the logits against a
// floor of 0.1 per logit, as the tests do).
// After the warm-up of the timed inference, its first 64 logits are compared with the CPU's
// too. Any mismatch: message on stderr, exit 1.
//
// Timed, with CUDA events on the legacy default stream (the backend's stream is a blocking
// one, so the events bracket its work too), warm-up first, mean of kTimed repetitions:
//   (i)   the fused conv → BN → ReLU → max-pool forward (eval) alone, batch 4096, on device
//         buffers: inference-only (pooled output) and with the backward cache (argmax and the
//         conv value at it). Bytes = codes in (N·L) + outputs (N·F·W·4, ×3 with the cache) +
//         parameters once; reported as GB/s and as a fraction of the DRAM peak,
//         2 × memory clock × bus width / 8. The kernel gathers K filter columns from shared
//         memory per conv output, so expect it to be limited by shared-memory bandwidth, not
//         DRAM, at these sizes;
//   (ii)  full inference: the fused block plus the cuBLAS head, device buffers only, batch
//         4096; and the backend's forward(eval) with the host copies (codes in, logits out);
//   (iii) a training step through the backend — forward(train) + backward + Adam — at
//         batch 128 and 512 (host copies of the batch and dlogits included).
// Results go to stdout as a table and as "csv,"-prefixed lines (grep '^csv,' | cut -c5-).
// With no GPU (or mint built without one) it prints "no GPU: <reason>" and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "core/device.hpp"
#include "core/error.hpp"
#include "core/model.hpp"
#include "cuda_bench_util.cuh"
#include "ops/cnn/cnn.cuh"
#include "ops/cnn/cnn_backend.hpp"

namespace {

constexpr int kTimed = 20;
constexpr int kBatch = 4096;
constexpr int kCheckRows = 64;
constexpr double kLogitTol = 1e-5;
constexpr double kLogitFloor =
    0.1;  // per logit: near-0 logits are cancellations (tests do the same)
constexpr double kGradTol = 1e-4;

using mint::bench::Event;
using mint::bench::peak_dram_bytes_per_s;
template <typename Work>
double time_ms(Work&& work) {
  return mint::bench::time_ms(work, kTimed);
}

mint::ModelConfig paper_config(int filters) {
  mint::ModelConfig c;  // F 32, K 12, P 10, L 250, same, BN, ReLU, H1 64, H2 32
  c.filters = filters;
  return c;
}

using mint::bench::bench_model;
using mint::bench::random_codes;

std::vector<float> random_dlogits(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> d(n);
  for (float& v : d) v = normal(rng);
  return d;
}

double rel_norm(const std::vector<float>& ref, const std::vector<float>& got,
                double floor = 1e-300) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double d = static_cast<double>(ref[i]) - got[i];
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), floor);  // NaN stays NaN: fails `<`
}

// The CPU and CUDA backends on 64 sequences: eval logits, train logits, gradients, dx.
bool check_backend(const mint::ModelConfig& c, const mint::Model& m) {
  const int n = kCheckRows;
  const auto codes = random_codes(n, c.length, 5);
  mint::CnnInput in;
  in.codes = codes.data();
  auto cpu = mint::make_cpu_backend(c, n);
  auto gpu = mint::make_cuda_backend(c, n);
  cpu->set_params(m.params);
  gpu->set_params(m.params);
  std::vector<float> lc(n), lg(n);
  cpu->forward(in, n, mint::Mode::eval, lc.data());
  gpu->forward(in, n, mint::Mode::eval, lg.data());
  const double floor_logits = kLogitFloor * std::sqrt(static_cast<double>(n));
  const double eval_err = rel_norm(lc, lg, floor_logits);
  cpu->forward(in, n, mint::Mode::train, lc.data());
  gpu->forward(in, n, mint::Mode::train, lg.data());
  const double train_err = rel_norm(lc, lg, floor_logits);
  const auto dl = random_dlogits(n, 6);
  std::vector<float> dxc(static_cast<std::size_t>(n) * 4 * c.length), dxg(dxc.size());
  cpu->backward(dl.data(), dxc.data());
  gpu->backward(dl.data(), dxg.data());
  const double dx_err = rel_norm(dxc, dxg);
  const mint::ModelParams gc = cpu->gradients(), gg = gpu->gradients();
  double total = 0;
  for (const auto* t : gc.trainable()) {
    for (float v : *t) total += static_cast<double>(v) * v;
  }
  const double floor = 1e-2 * std::sqrt(total);
  double grad_err = 0;
  std::string worst;
  const auto names = mint::ModelParams::trainable_names(c.batchnorm);
  for (std::size_t t = 0; t < gc.trainable().size(); ++t) {
    const double e = rel_norm(*gc.trainable()[t], *gg.trainable()[t], floor);
    if (!(e <= grad_err)) {
      grad_err = e;
      worst = names[t];
    }
  }
  const bool ok =
      eval_err < kLogitTol && train_err < kLogitTol && dx_err < kGradTol && grad_err < kGradTol;
  std::printf(
      "check F=%d vs CPU backend (%d sequences): eval logits %.1e, train logits %.1e, "
      "input gradient %.1e, worst parameter gradient %.1e (%s): %s\n",
      c.filters, n, eval_err, train_err, dx_err, grad_err, worst.c_str(), ok ? "ok" : "MISMATCH");
  if (!ok)
    std::fprintf(stderr, "MISMATCH: CUDA backend differs from the CPU backend (F=%d)\n", c.filters);
  return ok;
}

template <typename T>
mint::cuda::DeviceBuffer<T> upload(const std::vector<T>& v) {
  return mint::cuda::to_device(v.data(), v.size());
}

struct Row {
  std::string what;
  int filters, length, batch;
  double ms, sequences_per_s, gb_per_s, fraction_of_peak;  // GB/s only where bytes are counted
};

// Sections (i) and (ii) for one model; false on a mismatch.
bool bench_inference(const mint::ModelConfig& c, const mint::Model& m, double peak,
                     std::vector<Row>* rows) {
  using mint::cuda::DeviceBuffer;
  const int n = kBatch;
  const mint::cuda::ConvShape s = mint::cuda::ConvShape::of(c);
  const mint::ModelParams& p = m.params;
  const auto codes = random_codes(n, c.length, 11);
  const std::size_t fw = c.fc1_inputs();
  DeviceBuffer<std::uint8_t> d_codes = upload(codes);
  DeviceBuffer<float> conv_w = upload(p.conv_weight), conv_b = upload(p.conv_bias);
  DeviceBuffer<float> gamma = upload(p.bn_weight), beta = upload(p.bn_bias);
  DeviceBuffer<float> rmean = upload(p.bn_running_mean), rvar = upload(p.bn_running_var);
  DeviceBuffer<float> w1 = upload(p.fc1_weight), b1 = upload(p.fc1_bias);
  DeviceBuffer<float> w2 = upload(p.fc2_weight), b2 = upload(p.fc2_bias);
  DeviceBuffer<float> w3 = upload(p.fc3_weight), b3 = upload(p.fc3_bias);
  DeviceBuffer<double> mean(c.filters), invstd(c.filters);
  DeviceBuffer<float> affine(static_cast<std::size_t>(mint::cuda::kBnAffineRows) * c.filters);
  DeviceBuffer<float> pooled(n * fw), pooled_conv(n * fw);
  DeviceBuffer<std::int32_t> argmax(n * fw);
  DeviceBuffer<float> h1(static_cast<std::size_t>(n) * c.hidden1), a1(h1.size());
  DeviceBuffer<float> h2(static_cast<std::size_t>(n) * c.hidden2), a2(h2.size());
  DeviceBuffer<float> logits(n);
  mint::cuda::launch_bn_running_affine(c.filters, c.bn_eps, gamma.get(), beta.get(), rmean.get(),
                                       rvar.get(), mean.get(), invstd.get(), affine.get(), nullptr);
  mint::cuda::DeviceInput in;
  in.codes = d_codes.get();
  cublasHandle_t handle{};
  MINT_CUBLAS_CHECK(cublasCreate(&handle));
  const mint::cuda::HeadShape head{c.fc1_inputs(), c.hidden1, c.hidden2};
  const mint::cuda::HeadParams hp{w1.get(), b1.get(), w2.get(), b2.get(), w3.get(), b3.get()};
  const mint::cuda::HeadActivations act{h1.get(), a1.get(), h2.get(), a2.get()};

  auto conv_block = [&](bool cache) {
    mint::cuda::launch_conv_bn_act_pool(s, in, n, conv_w.get(), conv_b.get(), affine.get(),
                                        pooled.get(), cache ? argmax.get() : nullptr,
                                        cache ? pooled_conv.get() : nullptr, nullptr);
  };
  auto inference = [&] {
    conv_block(false);
    mint::cuda::head_forward(handle, head, hp, pooled.get(), n, act, logits.get(), nullptr);
  };
  bool ok = true;
  try {
    const double param_bytes = 4.0 * (p.conv_weight.size() + p.conv_bias.size() + 3.0 * c.filters);
    const double seq = static_cast<double>(n);
    const double io = seq * c.length + seq * fw * 4;
    for (bool cache : {false, true}) {
      const double ms = time_ms([&] { conv_block(cache); });
      const double bytes = io + (cache ? 2 * seq * fw * 4 : 0) + param_bytes;
      const double bps = bytes / (ms / 1e3);
      rows->push_back({cache ? "conv_block_with_cache" : "conv_block", c.filters, c.length, n, ms,
                       seq / (ms / 1e3), bps / 1e9, peak > 0 ? bps / peak : 0});
    }
    const double ms = time_ms(inference);
    rows->push_back({"inference_device", c.filters, c.length, n, ms, seq / (ms / 1e3), 0, 0});
    // The timed logits against the CPU backend on the first rows.
    std::vector<float> got(n);
    logits.download(got.data(), got.size());
    got.resize(kCheckRows);
    auto cpu = mint::make_cpu_backend(c, kCheckRows);
    cpu->set_params(p);
    std::vector<float> ref(kCheckRows);
    mint::CnnInput host_in;
    host_in.codes = codes.data();
    cpu->forward(host_in, kCheckRows, mint::Mode::eval, ref.data());
    const double err = rel_norm(ref, got, kLogitFloor * std::sqrt(static_cast<double>(kCheckRows)));
    if (!(err < kLogitTol)) {
      std::fprintf(stderr, "MISMATCH: timed inference logits (F=%d) differ from the CPU: %.2e\n",
                   c.filters, err);
      ok = false;
    }

    // The backend with its host copies.
    auto gpu = mint::make_cuda_backend(c, n);
    gpu->set_params(p);
    mint::CnnInput backend_in;
    backend_in.codes = codes.data();
    std::vector<float> host_logits(n);
    const double e2e =
        time_ms([&] { gpu->forward(backend_in, n, mint::Mode::eval, host_logits.data()); });
    rows->push_back(
        {"inference_backend_with_copies", c.filters, c.length, n, e2e, seq / (e2e / 1e3), 0, 0});
  } catch (...) {
    cublasDestroy(handle);
    throw;
  }
  MINT_CUBLAS_CHECK(cublasDestroy(handle));
  return ok;
}

// Section (iii).
void bench_training(const mint::ModelConfig& c, const mint::Model& m, std::vector<Row>* rows) {
  auto gpu = mint::make_cuda_backend(c, 512);
  for (const int batch : {128, 512}) {
    gpu->set_params(m.params);
    const auto codes = random_codes(batch, c.length, 21);
    const auto dl = random_dlogits(batch, 22);
    mint::CnnInput in;
    in.codes = codes.data();
    std::vector<float> logits(batch);
    long step = 0;
    const double ms = time_ms([&] {
      gpu->forward(in, batch, mint::Mode::train, logits.data());
      gpu->backward(dl.data(), nullptr);
      gpu->adam_step(mint::AdamOptions{}, ++step);
    });
    rows->push_back({"train_step", c.filters, c.length, batch, ms, batch / (ms / 1e3), 0, 0});
  }
}

int run() {
  if (mint::cuda_device_count() == 0) {
    std::printf("no GPU: %s\n", mint::cuda_unavailable_reason().c_str());
    return 0;
  }
  const int device = 0;
  MINT_CUDA_CHECK(cudaSetDevice(device));
  const double peak = peak_dram_bytes_per_s(device);
  const std::string name = mint::cuda_device_name(device);
  std::printf("device: %s, peak DRAM %.0f GB/s\n", name.c_str(), peak / 1e9);

  std::vector<Row> rows;
  bool ok = true;
  for (const int filters : {32, 4}) {
    const mint::ModelConfig c = paper_config(filters);
    const mint::Model m = bench_model(c, 1);
    if (!check_backend(c, m)) return 1;
    ok = bench_inference(c, m, peak, &rows) && ok;
    bench_training(c, m, &rows);
  }

  std::printf("%-30s %4s %5s %6s %10s %14s %9s %8s\n", "what", "F", "L", "batch", "ms",
              "sequences/s", "GB/s", "of peak");
  for (const Row& r : rows) {
    if (r.gb_per_s > 0) {
      std::printf("%-30s %4d %5d %6d %10.4f %14.0f %9.1f %7.1f%%\n", r.what.c_str(), r.filters,
                  r.length, r.batch, r.ms, r.sequences_per_s, r.gb_per_s, 100 * r.fraction_of_peak);
    } else {
      std::printf("%-30s %4d %5d %6d %10.4f %14.0f %9s %8s\n", r.what.c_str(), r.filters, r.length,
                  r.batch, r.ms, r.sequences_per_s, "-", "-");
    }
  }
  std::printf("csv,device,what,F,L,batch,ms,sequences_per_s,gb_per_s,fraction_of_peak\n");
  for (const Row& r : rows) {
    std::printf("csv,%s,%s,%d,%d,%d,%.5f,%.6g,%.2f,%.4f\n", name.c_str(), r.what.c_str(), r.filters,
                r.length, r.batch, r.ms, r.sequences_per_s, r.gb_per_s, r.fraction_of_peak);
  }
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cnn_cuda: %s\n", e.what());
    return 1;
  }
}
