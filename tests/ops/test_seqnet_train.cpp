// SeqNet's backward pass and training step:
//   - finite differences: the parameter and input gradients of Σ dout·out (random dout) against
//     central differences of the float32 forward pass, eval and train mode (train-mode
//     BatchNorm couples the batch), on three small architectures that together use every layer
//     type and setting (tests/seqnet_test_util.hpp);
//   - one training step against PyTorch on each fixture of tests/data/sequential (train_*
//     files; manifest.json's train_step says how they were made): the train-mode logits, the
//     loss, every parameter gradient (float32 and float64 references), and every state_dict
//     tensor after the running-statistics update and one Adam step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "io/npy.hpp"
#include "io/safetensors.hpp"
#include "io/sequential_io.hpp"
#include "ops/adam/adam_core.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_layers.hpp"
#include "seqnet_test_util.hpp"

namespace mint {
namespace {

using seqnet_test::l2;
using seqnet_test::rel_l2;

// ---- finite differences -----------------------------------------------------------------------

// Central differences with step h = kStep · (the tensor's RMS). float32 rounding of the loss
// (~1e-6 relative through the network) over 2h is noise ∝ 1/h (measured: ~4e-4 relative at
// 3e-2, ~2e-3 at 1e-2, ~7e-3 at 3e-3), the truncation error ∝ h² (visible from 1e-1 through Exp
// and Softplus). The functions are only piecewise smooth (ReLU, max pooling's argmax,
// Softplus's threshold): a step that moves any kink layer's input to another piece (a sign, an
// argmax or a threshold side differs from the unperturbed pass) is retried with h/4 (down to
// h/64), and the element is left out if it still crosses (at most 2% per tensor). Without this,
// A's first conv and input are off by 4% at h = 1e-2 (crossings ∝ h). Per tensor,
// ‖analytic − fd‖ / ‖fd‖ ≤ kFdTol, 4× the worst measured (4.6e-4): GELU-tanh's derivative with
// 0.04 for 0.044715 in its cubic term already gives 2.2e-3 (eval) and 4.9e-3 (train).
constexpr double kStep = 3e-2;
constexpr double kFdTol = 2e-3;

struct FdCase {
  std::string name;
  SequentialArchitecture arch;
  SequentialParams params;
  std::vector<float> x;
  int n;
};

bool is_kink(LayerType t) {
  return t == LayerType::relu || t == LayerType::softplus || is_max_pool(t);
}

class FdRunner {
 public:
  FdRunner(const FdCase& c, Mode mode)
      : c_(c),
        mode_(mode),
        net_(c.arch, c.n, 1),
        out_(static_cast<std::size_t>(c.n) * c.arch.outputs()) {
    std::mt19937_64 rng(77);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    dout_.resize(out_.size());
    for (float& d : dout_) d = u(rng);
    net_.set_dropout_stream(5, 1);  // fixed masks: a train-mode Dropout is a fixed linear map
    // A network per kink layer i > 0 giving its input: layers [0, i) and a Flatten (same layer
    // indices, so the same Dropout masks; same rows, so the same train-mode BatchNorm).
    for (std::size_t i = 1; i < c.arch.layers.size(); ++i) {
      if (!is_kink(c.arch.layers[i].type)) continue;
      SequentialArchitecture a = c.arch;
      a.layers.resize(i);
      SequentialLayer flat;
      flat.type = LayerType::flatten;
      flat.channels_after = static_cast<int>(c.arch.size_before(i));
      a.layers.push_back(flat);
      prefixes_.push_back({i, std::make_unique<SeqNet>(a, c.n, 1)});
      prefixes_.back().second->set_dropout_stream(5, 1);
    }
  }

  double loss(const SequentialParams& p, const std::vector<float>& x) {
    net_.forward(p, x.data(), c_.n, mode_, out_.data());
    double s = 0;
    for (std::size_t k = 0; k < out_.size(); ++k) s += static_cast<double>(dout_[k]) * out_[k];
    return s;
  }

  // Which smooth piece the network is on: every kink layer's ReLU signs, max-pool argmaxes and
  // Softplus threshold sides.
  std::vector<int> piece(const SequentialParams& p, const std::vector<float>& x) {
    std::vector<int> sig;
    std::vector<float> in;
    auto add = [&](std::size_t i, const std::vector<float>& v) {
      const SequentialLayer& l = c_.arch.layers[i];
      const int len = c_.arch.length_before(i);
      const std::size_t rows = v.size() / static_cast<std::size_t>(c_.arch.size_before(i));
      if (l.type == LayerType::relu) {
        for (float e : v) sig.push_back(e > 0.0f);
      } else if (l.type == LayerType::softplus) {
        for (float e : v) sig.push_back(static_cast<double>(e) * l.beta > l.threshold);
      } else {  // max pooling: first maximum of each window
        const int kernel = l.type == LayerType::maxpool1d ? l.kernel : len;
        const int stride = l.type == LayerType::maxpool1d ? l.stride : len;
        for (std::size_t r = 0; r < rows * c_.arch.channels_before(i); ++r) {
          const float* row = v.data() + r * len;
          for (int w = 0; w < l.length_after; ++w) {
            int best = w * stride;
            for (int t = best + 1; t < w * stride + kernel; ++t)
              best = row[t] > row[best] ? t : best;
            sig.push_back(best);
          }
        }
      }
    };
    if (is_kink(c_.arch.layers[0].type)) add(0, x);
    for (auto& [i, net] : prefixes_) {
      in.resize(static_cast<std::size_t>(c_.n) * c_.arch.size_before(i));
      net->forward(p, x.data(), c_.n, mode_, in.data());
      add(i, in);
    }
    return sig;
  }

  // d loss / d v by central differences, v a tensor of p or the input x; the elements left out
  // (steps that cross a kink) are NaN.
  std::vector<double> fd(std::vector<float>& v, SequentialParams& p, std::vector<float>& x) {
    const std::vector<int> base = piece(p, x);
    const double h0 = kStep * std::max(l2(v) / std::sqrt(static_cast<double>(v.size())), 1e-3);
    std::vector<double> g(v.size(), std::nan(""));
    elements_ += v.size();
    for (std::size_t k = 0; k < v.size(); ++k) {
      const float orig = v[k];
      for (double h = h0; h > h0 / 100; h /= 4) {
        v[k] = static_cast<float>(orig + h);
        const double up = v[k], lp = loss(p, x);
        const bool same_up = piece(p, x) == base;
        v[k] = static_cast<float>(orig - h);
        const double down = v[k], lm = loss(p, x);
        const bool same_down = piece(p, x) == base;
        v[k] = orig;
        if (same_up && same_down) {
          g[k] = (lp - lm) / (up - down);
          retried_ += h < h0;
          break;
        }
      }
    }
    return g;
  }

  void analytic(SequentialParams& grads, std::vector<float>& din) {
    net_.forward(c_.params, c_.x.data(), c_.n, mode_, out_.data());
    din.resize(c_.x.size());
    net_.backward(c_.params, dout_.data(), &grads, din.data());
  }

 private:
  const FdCase& c_;
  Mode mode_;
  SeqNet net_;
  std::vector<float> out_, dout_;
  std::vector<std::pair<std::size_t, std::unique_ptr<SeqNet>>> prefixes_;
  std::size_t elements_ = 0, retried_ = 0;  // elements differenced; of them, with a smaller step

 public:
  std::size_t elements() const { return elements_; }
  std::size_t retried() const { return retried_; }
};

// ‖analytic − fd‖ / ‖fd‖ over the elements fd kept; `left_out` gets the share left out.
double fd_error(const std::vector<double>& fd, const std::vector<float>& analytic, double* norm,
                double* left_out) {
  std::vector<double> a, b;
  for (std::size_t k = 0; k < fd.size(); ++k) {
    if (std::isnan(fd[k])) continue;
    a.push_back(fd[k]);
    b.push_back(analytic[k]);
  }
  *norm = l2(a);
  *left_out = 1.0 - static_cast<double>(a.size()) / static_cast<double>(fd.size());
  return rel_l2(a, b);
}

std::vector<FdCase> fd_cases(Mode mode) {
  std::vector<FdCase> out;
  // Dropout: p 0.3 in eval (the identity), in train p = 0 (the identity) and 0.3 (fixed masks).
  const std::vector<double> ps =
      mode == Mode::train ? std::vector<double>{0.0, 0.3} : std::vector<double>{0.3};
  for (const double p : ps) {
    FdCase a{p == 0 ? "A dropout 0" : "A dropout 0.3", seqnet_test::arch_a(p), {}, {}, 3};
    a.params = seqnet_test::random_params(a.arch, 11);
    a.x = seqnet_test::random_dense(a.n, a.arch.length, 12, -1.0f, 1.0f);
    out.push_back(a);
  }
  FdCase b{"B", seqnet_test::arch_b(), {}, {}, 3};
  b.params = seqnet_test::random_params(b.arch, 13);
  // Softplus(beta 2, threshold 3) on the input: both branches, kept 0.1 from the threshold 1.5.
  b.x = seqnet_test::random_dense(b.n, b.arch.length, 14, -2.5f, 2.5f, 1.5f, 0.1f);
  out.push_back(b);
  FdCase c{"C", seqnet_test::arch_c(), {}, {}, 4};
  c.params = seqnet_test::random_params(c.arch, 15);
  c.x = seqnet_test::random_dense(c.n, c.arch.length, 16, -1.0f, 1.0f);
  out.push_back(c);
  FdCase d{"D", seqnet_test::arch_d(), {}, {}, 3};
  d.params = seqnet_test::random_params(d.arch, 17);
  d.x = seqnet_test::random_dense(d.n, d.arch.length, 18, -1.0f, 1.0f);
  out.push_back(d);
  return out;
}

void check_finite_differences(Mode mode) {
  double worst_param = 0, worst_input = 0, worst_left_out = 0;
  std::size_t elements = 0, retried = 0;
  const char* mode_name = mode == Mode::train ? "train" : "eval";
  for (FdCase& c : fd_cases(mode)) {
    FdRunner run(c, mode);
    SequentialParams grads;
    std::vector<float> din;
    run.analytic(grads, din);
    SequentialParams p = c.params;
    std::vector<float> x = c.x;
    const std::vector<std::string> names = SequentialParams::trainable_names(c.arch);
    const auto tensors = p.trainable();
    const auto analytic = grads.trainable();
    ASSERT_EQ(tensors.size(), names.size());
    std::vector<std::vector<double>> fds;
    double largest = 0;
    for (std::size_t k = 0; k < tensors.size(); ++k) {
      fds.push_back(run.fd(*tensors[k], p, x));
      double norm, left_out;
      fd_error(fds.back(), *analytic[k], &norm, &left_out);
      largest = std::max(largest, norm);
    }
    for (std::size_t k = 0; k <= tensors.size(); ++k) {
      const bool input = k == tensors.size();
      const std::vector<double> fd = input ? run.fd(x, p, x) : fds[k];
      const std::vector<float>& a = input ? din : *analytic[k];
      const std::string what = c.name + " " + (input ? "input" : names[k]) + " " + mode_name;
      double norm, left_out;
      const double err = fd_error(fd, a, &norm, &left_out);
      worst_left_out = std::max(worst_left_out, left_out);
      EXPECT_LE(left_out, 0.02) << what;
      if (!input && norm < 1e-4 * largest) {  // exactly 0 (a conv bias before train-mode BN)
        EXPECT_LE(l2(a), 1e-5 * largest) << what;
        std::printf("  %-30s ‖fd‖ %.1e, ‖analytic‖ %.1e (exactly 0)\n", what.c_str(), norm, l2(a));
        continue;
      }
      (input ? worst_input : worst_param) = std::max(input ? worst_input : worst_param, err);
      EXPECT_LE(err, kFdTol) << what;
    }
    elements += run.elements();
    retried += run.retried();
  }
  std::printf(
      "  %s mode: parameters max rel L2 %.2e, input max rel L2 %.2e; %zu of %zu elements "
      "differenced with a smaller step (a kink), at most %.1f%% of a tensor left out\n",
      mode_name, worst_param, worst_input, retried, elements, 100 * worst_left_out);
}

TEST(SeqNetFiniteDifferences, EvalMode) { check_finite_differences(Mode::eval); }
TEST(SeqNetFiniteDifferences, TrainMode) { check_finite_differences(Mode::train); }

// ---- one training step against PyTorch --------------------------------------------------------

const std::string kDir = std::string(MINT_TEST_DATA_DIR) + "/sequential/";
const char* kCases[] = {"dilated_conv_maxpool", "exp_global_avgpool", "two_output_head"};

template <typename T>
std::vector<T> values(const SafeTensor& t) {
  std::vector<T> v(static_cast<std::size_t>(t.elements()));
  EXPECT_EQ(t.data.size(), v.size() * sizeof(T));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

// The layer named `layer` of the architecture.
std::size_t layer_index(const SequentialArchitecture& a, const std::string& layer) {
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    if (a.layers[i].name == layer) return i;
  }
  ADD_FAILURE() << "no layer " << layer;
  return 0;
}

// A float64 forward pass of n rows in train mode (BatchNorm normalises with the batch's mean
// and biased variance; Dropout must have p 0), straight loops over PyTorch's layout: how far
// float32 logits are from exact.
// `terms` (when not null) gets Σ_k |w_ok·in_k| + |b_o| of the last layer, a Linear, per output:
// the size of what the output sums.
std::vector<double> forward_f64(const SequentialModel& m, const std::vector<float>& x, int n,
                                std::vector<double>* terms = nullptr) {
  const SequentialArchitecture& a = m.arch;
  std::vector<double> act(x.begin(), x.end());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const SequentialLayer& l = a.layers[i];
    const LayerParams& p = m.params.layers[i];
    const int C = a.channels_before(i), len = std::max(a.length_before(i), 1);
    const int lout = std::max(l.length_after, 1);
    const auto s_in = static_cast<std::size_t>(a.size_before(i));
    const auto s_out = static_cast<std::size_t>(l.size_after());
    std::vector<double> next(static_cast<std::size_t>(n) * s_out, 0.0);
    for (int r = 0; r < n; ++r) {
      const double* in = act.data() + r * s_in;
      double* out = next.data() + r * s_out;
      if (l.type == LayerType::conv1d) {
        for (int o = 0; o < l.out; ++o) {
          for (int t = 0; t < lout; ++t) {
            double sum = l.bias ? p.bias[o] : 0.0;
            for (int c = 0; c < C; ++c) {
              for (int k = 0; k < l.kernel; ++k) {
                const int j = t + k * l.dilation - l.pad_left;
                if (j >= 0 && j < len)
                  sum += p.weight[(o * C + c) * l.kernel + k] * in[c * len + j];
              }
            }
            out[o * lout + t] = sum;
          }
        }
      } else if (l.type == LayerType::linear) {
        const bool last = i + 1 == a.layers.size() && terms != nullptr;
        if (last) terms->resize(next.size());
        for (int o = 0; o < l.out; ++o) {
          double sum = l.bias ? p.bias[o] : 0.0, size = std::fabs(sum);
          for (int k = 0; k < l.in; ++k) {
            sum += p.weight[o * l.in + k] * in[k];
            size += std::fabs(p.weight[o * l.in + k] * in[k]);
          }
          out[o] = sum;
          if (last) (*terms)[r * s_out + o] = size;
        }
      } else if (l.type == LayerType::relu || l.type == LayerType::exp) {
        for (std::size_t k = 0; k < s_in; ++k) {
          out[k] = l.type == LayerType::exp ? std::exp(in[k]) : std::max(in[k], 0.0);
        }
      } else if (l.type == LayerType::maxpool1d || l.type == LayerType::avgpool1d ||
                 l.type == LayerType::global_maxpool1d || l.type == LayerType::global_avgpool1d) {
        const bool global =
            l.type == LayerType::global_maxpool1d || l.type == LayerType::global_avgpool1d;
        const bool max = is_max_pool(l.type);
        const int kernel = global ? len : l.kernel, stride = global ? len : l.stride;
        for (int c = 0; c < C; ++c) {
          for (int w = 0; w < lout; ++w) {
            double v = max ? -HUGE_VAL : 0.0;
            for (int t = w * stride; t < w * stride + kernel; ++t) {
              v = max ? std::max(v, in[c * len + t]) : v + in[c * len + t] / kernel;
            }
            out[c * lout + w] = v;
          }
        }
      } else if (l.type == LayerType::flatten || l.type == LayerType::dropout ||
                 l.type == LayerType::batchnorm1d) {
        EXPECT_TRUE(l.type != LayerType::dropout || l.p == 0);
        std::copy(in, in + s_in, out);
      } else {
        ADD_FAILURE() << "forward_f64: no " << to_string(l.type);
      }
    }
    if (l.type == LayerType::batchnorm1d) {
      for (int c = 0; c < C; ++c) {
        double sum = 0, ss = 0;
        for (int r = 0; r < n; ++r) {
          for (int t = 0; t < len; ++t) sum += next[r * s_out + c * len + t];
        }
        const double mean = sum / (static_cast<double>(n) * len);
        for (int r = 0; r < n; ++r) {
          for (int t = 0; t < len; ++t) ss += std::pow(next[r * s_out + c * len + t] - mean, 2);
        }
        const double invstd = 1 / std::sqrt(ss / (static_cast<double>(n) * len) + l.eps);
        for (int r = 0; r < n; ++r) {
          for (int t = 0; t < len; ++t) {
            double& v = next[r * s_out + c * len + t];
            v = (v - mean) * invstd * p.weight[c] + p.bias[c];
          }
        }
      }
    }
    act.swap(next);
  }
  return act;
}

// The BCEWithLogits (mean) or MSE (mean) loss of output 0 and its gradient w.r.t. every output,
// in float64 as PyTorch's formulas (dℓ/dz = (σ(z) − y)/B, or 2(z − y)/B).
double loss_and_dout(bool mse, const std::vector<float>& out, const std::vector<float>& y, int outs,
                     std::vector<float>& dout) {
  const int B = static_cast<int>(y.size());
  dout.assign(out.size(), 0.0f);
  double loss = 0;
  for (int r = 0; r < B; ++r) {
    const double z = out[static_cast<std::size_t>(r) * outs], t = y[r];
    double d;
    if (mse) {
      loss += (z - t) * (z - t);
      d = 2 * (z - t);
    } else {
      loss += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
      d = 1 / (1 + std::exp(-z)) - t;
    }
    dout[static_cast<std::size_t>(r) * outs] = static_cast<float>(d / B);
  }
  return loss / B;
}

constexpr double kTol = 1e-5;

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Every parameter gradient against PyTorch's float32 and float64 ones; those whose exact value
// is 0 (zero_grad) within 1e-5 of the largest gradient.
void check_gradients(const std::string& name, const std::string& dir,
                     const SequentialArchitecture& arch, const SequentialParams& grads,
                     const std::vector<std::string>& zero_grad) {
  const SafeTensors g32 = read_safetensors(dir + "train_grad.safetensors");
  const SafeTensors g64 = read_safetensors(dir + "train_grad_f64.safetensors");
  const std::vector<std::string> names = SequentialParams::trainable_names(arch);
  const auto ours = grads.trainable();
  ASSERT_EQ(names.size(), g32.tensors.size()) << name;
  ASSERT_EQ(names.size(), g64.tensors.size()) << name;
  double largest = 0;  // max |gradient| over all parameters (the scale of the zero ones)
  for (const auto& [_, t] : g64.tensors) {
    for (double v : values<double>(t)) largest = std::max(largest, std::fabs(v));
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    ASSERT_TRUE(g32.tensors.count(names[k]) && g64.tensors.count(names[k])) << names[k];
    const std::vector<float> r32 = values<float>(g32.tensors.at(names[k]));
    const std::vector<double> r64 = values<double>(g64.tensors.at(names[k]));
    ASSERT_EQ(r32.size(), ours[k]->size()) << name << " " << names[k];
    ASSERT_EQ(r64.size(), ours[k]->size()) << name << " " << names[k];
    if (contains(zero_grad, names[k])) {
      double mx = 0;
      for (float v : *ours[k]) mx = std::max(mx, static_cast<double>(std::fabs(v)));
      EXPECT_LE(mx, 1e-5 * largest) << name << " " << names[k] << " (exactly 0)";
      std::printf("  %-22s %-10s max|grad| %.2e (exactly 0; PyTorch float32 ‖g‖ %.2e)\n",
                  name.c_str(), names[k].c_str(), mx, l2(r32));
      continue;
    }
    const double e32 = rel_l2(r32, *ours[k]), e64 = rel_l2(r64, *ours[k]);
    EXPECT_LE(e32, kTol) << name << " " << names[k];
    EXPECT_LE(e64, kTol) << name << " " << names[k] << " (float64)";
    std::printf("  %-22s %-10s grad rel L2 %.2e (float32) %.2e (float64)\n", name.c_str(),
                names[k].c_str(), e32, e64);
  }
}

// Every tensor of train_after_step against `after` (a parameter whose exact gradient is 0: each
// element within lr of `before`, PyTorch's too — Adam's first step moves noise by ±lr).
void check_after_step(const std::string& name, const std::string& dir,
                      const SequentialArchitecture& arch, const SequentialParams& before,
                      const SequentialParams& after, const std::vector<std::string>& zero_grad,
                      double lr) {
  const SafeTensors ref_after = read_safetensors(dir + "train_after_step.safetensors");
  std::size_t checked = 0;
  for (const auto& [tname, t] : ref_after.tensors) {
    const std::size_t dot = tname.rfind('.');
    const std::string field = tname.substr(dot + 1);
    const std::size_t i = layer_index(arch, tname.substr(0, dot));
    const LayerParams& lp = after.layers[i];
    ++checked;
    if (field == "num_batches_tracked") {
      EXPECT_EQ(values<std::int64_t>(t).at(0), lp.num_batches_tracked) << name << " " << tname;
      continue;
    }
    ASSERT_TRUE(field == "weight" || field == "bias" || field == "running_mean" ||
                field == "running_var")
        << tname;
    const std::vector<float>& got = field == "weight"         ? lp.weight
                                    : field == "bias"         ? lp.bias
                                    : field == "running_mean" ? lp.running_mean
                                                              : lp.running_var;
    const std::vector<float> ref = values<float>(t);
    ASSERT_EQ(ref.size(), got.size()) << name << " " << tname;
    if (contains(zero_grad, tname)) {
      const std::vector<float>& start =
          field == "weight" ? before.layers[i].weight : before.layers[i].bias;
      for (std::size_t e = 0; e < ref.size(); ++e) {
        EXPECT_LE(std::fabs(got[e] - start[e]), lr * 1.001) << name << " " << tname;
        EXPECT_LE(std::fabs(ref[e] - start[e]), lr * 1.001) << name << " " << tname;
      }
      continue;
    }
    const double err = rel_l2(ref, got);
    EXPECT_LE(err, kTol) << name << " " << tname;
    std::printf("  %-22s %-20s after step rel L2 %.2e\n", name.c_str(), tname.c_str(), err);
  }
  std::size_t expected = 0;  // every state_dict tensor
  for (const LayerParams& lp : before.layers) {
    expected += !lp.weight.empty() + !lp.bias.empty() + 3 * !lp.running_mean.empty();
  }
  EXPECT_EQ(checked, expected) << name;
}

TEST(SeqNetTrainStep, MatchesPyTorch) {
  for (const char* name : kCases) {
    const std::string dir = kDir + name + "/";
    std::ifstream mf(dir + "manifest.json");
    const nlohmann::json manifest = nlohmann::json::parse(mf);
    const std::string loss_text = manifest["train_step"]["loss"].get<std::string>();
    const bool mse = loss_text.find("MSELoss") != std::string::npos;
    ASSERT_TRUE(mse || loss_text.find("BCEWithLogitsLoss") != std::string::npos) << loss_text;
    std::vector<std::string> zero_grad;  // parameters whose exact gradient is 0
    for (const auto& [key, v] : manifest["checks"]["train_step"].items()) {
      if (key.rfind("parameters whose gradient is 0", 0) == 0) {
        for (const auto& [param, _] : v.items()) zero_grad.push_back(param);
      }
    }
    SequentialModel m =
        sequential_from_safetensors(read_safetensors(dir + "model.safetensors"), name);
    for (SequentialLayer& l : m.arch.layers) {
      if (l.type == LayerType::dropout) l.p = 0;  // as the fixture's copy
    }
    const NpyArray xin = read_npy(dir + "train_inputs.npy");
    const std::vector<float> x = xin.to_vector<float>();
    const std::vector<float> y = read_npy(dir + "train_labels.npy").to_vector<float>();
    const int B = static_cast<int>(xin.shape[0]), outs = m.arch.outputs();
    ASSERT_EQ(static_cast<int>(y.size()), B);

    SeqNet net(m.arch, B);
    std::vector<float> out(static_cast<std::size_t>(B) * outs), dout;
    net.forward(m.params, x.data(), B, Mode::train, out.data());
    const std::vector<double> ref_logits = read_npy(dir + "train_logits.npy").to_vector<double>();
    ASSERT_EQ(ref_logits.size(), out.size());
    // Against float64: within 1e-5, or within float32's epsilon times κ (the size of the terms
    // the last Linear sums over the logits' size) where that is more: exp_global_avgpool's logits
    // (~3e-3) are a Linear over means of Exp whose terms are ~600 times larger, so any float32
    // result carries ~1e-5 of cancellation — PyTorch's too (1.65e-5). Against PyTorch's float32:
    // within 1e-5 plus PyTorch's own error.
    std::vector<double> terms;
    const std::vector<double> exact = forward_f64(m, x, B, &terms);
    const double kappa = l2(terms) / l2(exact);
    const double e_logits = rel_l2(ref_logits, out), e_exact = rel_l2(exact, out);
    const double e_torch = rel_l2(exact, ref_logits);
    EXPECT_LE(e_exact, std::max(kTol, 0x1p-23 * kappa)) << name << " κ " << kappa;
    EXPECT_LE(e_logits, kTol + e_torch) << name;
    const double loss = loss_and_dout(mse, out, y, outs, dout);
    const double ref_loss = read_npy(dir + "train_loss.npy").to_vector<double>().at(0);
    const double e_loss = std::fabs(loss - ref_loss) / std::fabs(ref_loss);
    EXPECT_LE(e_loss, kTol) << name << " loss " << loss << " vs " << ref_loss;
    std::printf(
        "  %-22s %s: logits rel L2 %.2e (PyTorch float32), %.2e (float64; PyTorch's %.2e; κ "
        "%.1f), loss %.9f vs %.9f (rel %.2e)\n",
        name, mse ? "MSE" : "BCEWithLogits", e_logits, e_exact, e_torch, kappa, loss, ref_loss,
        e_loss);

    SequentialParams grads;
    net.backward(m.params, dout.data(), &grads, nullptr);
    check_gradients(name, dir, m.arch, grads, zero_grad);

    // The running statistics, then one Adam step (t = 1, lr 1e-3, PyTorch's defaults).
    SequentialParams after = m.params;
    net.update_running_stats(after);
    const AdamOptions adam;
    const AdamStep step = adam_step_constants(adam, 1);
    const auto params = after.trainable();
    const auto g = grads.trainable();
    for (std::size_t k = 0; k < params.size(); ++k) {
      std::vector<float> mom(params[k]->size(), 0.0f), var(params[k]->size(), 0.0f);
      for (std::size_t e = 0; e < params[k]->size(); ++e) {
        adam_update(step, (*g[k])[e], (*params[k])[e], mom[e], var[e]);
      }
    }
    check_after_step(name, dir, m.arch, m.params, after, zero_grad, adam.lr);
  }
}

}  // namespace
}  // namespace mint

namespace mint {
namespace {

// BatchNorm1d(momentum=None): PyTorch's cumulative moving average (factor 1 / batches tracked):
// after k batches the running mean is the mean of their k batch means; the JSON keeps the null.
TEST(SeqNetTrainStep, BatchNormMomentumNoneIsTheCumulativeAverage) {
  const char* json = R"({"input": {"channels": 4, "length": 12}, "layers": [
      {"type": "Conv1d", "name": "c", "in_channels": 4, "out_channels": 3, "kernel_size": 3,
       "padding": "same"},
      {"type": "BatchNorm1d", "name": "bn", "num_features": 3, "momentum": null},
      {"type": "GlobalAvgPool1d"}, {"type": "Flatten"},
      {"type": "Linear", "name": "fc", "in_features": 3, "out_features": 1}]})";
  const SequentialArchitecture a = parse_architecture(json, "t");
  EXPECT_LT(a.layers[1].momentum, 0);
  EXPECT_NE(architecture_json(a).find("\"momentum\":null"), std::string::npos);
  SequentialParams p = init_sequential(a, 3);
  SeqNet net(a, 8, 1);
  std::vector<float> out(8), conv(3 * 12);
  std::vector<double> sum_of_means(3, 0.0);
  seqnet::Scratch scratch;
  for (int step = 1; step <= 3; ++step) {
    std::vector<float> x(8 * 4 * 12);
    for (std::size_t k = 0; k < x.size(); ++k) {
      x[k] = static_cast<float>((k * 7 + static_cast<std::size_t>(step) * 13) % 11) / 11.0f;
    }
    std::vector<double> mean(3, 0.0);  // the batch mean of the conv output, computed apart
    for (int r = 0; r < 8; ++r) {
      seqnet::conv1d_row(x.data() + r * 48, 4, 12, p.layers[0].weight.data(),
                         p.layers[0].bias.data(), 3, 3, 1, 1, 12, conv.data(), scratch);
      for (int k = 0; k < 36; ++k) mean[static_cast<std::size_t>(k / 12)] += conv[k] / 96.0;
    }
    net.forward(p, x.data(), 8, Mode::train, out.data());
    net.update_running_stats(p);
    EXPECT_EQ(p.layers[1].num_batches_tracked, step);
    for (std::size_t c = 0; c < 3; ++c) {
      sum_of_means[c] += mean[c];
      EXPECT_NEAR(p.layers[1].running_mean[c], sum_of_means[c] / step, 1e-6) << step;
    }
  }
}

}  // namespace
}  // namespace mint
