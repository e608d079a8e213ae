// The training loop (SPEC §4), written once against TrainNet: the paper model's CnnBackend or a
// general sequential network. See train.hpp.
#include "pipeline/train.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <type_traits>

#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/philox.hpp"
#include "io/atomic_file.hpp"
#include "io/model_io.hpp"
#include "ops/adam/adam_core.hpp"
#include "ops/seqnet/seqnet.hpp"
#include "ops/seqnet/seqnet_cuda.hpp"
#include "pipeline/evaluate.hpp"
#include "pipeline/predict.hpp"

namespace mint {

namespace {

// Numerically stable BCE-with-logits and its derivative w.r.t. the logit.
double bce(double z, double y) {
  return std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
}
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// The order of epoch `epoch`: Fisher–Yates on the seed's shuffle stream.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, int epoch) {
  std::vector<std::int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t i = n - 1; i > 0; --i) {
    const Philox4x32 r =
        philox4x32({{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(epoch),
                     static_cast<std::uint32_t>(i >> 32), 4u}},
                   static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
    const std::uint64_t wide = (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
    const auto j = static_cast<std::int64_t>(wide % static_cast<std::uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

void progress(bool enabled, int epoch, int epochs, std::int64_t done, std::int64_t total,
              double loss) {
  if (!enabled) return;
  const int width = 30;
  const int filled = static_cast<int>(width * done / std::max<std::int64_t>(total, 1));
  std::fprintf(stderr, "\repoch %3d/%d [%.*s%*s] %lld/%lld loss %.4f", epoch, epochs, filled,
               "##############################", width - filled, "", static_cast<long long>(done),
               static_cast<long long>(total), loss);
  std::fflush(stderr);
  set_line_open(stderr, true);
}

}  // namespace

std::string training_log_tsv(const TrainResult& result) {
  std::string log = "epoch\ttrain_loss\tvalid_loss\tvalid_accuracy\tseconds\tbest\n";
  for (const EpochLog& e : result.history) {
    char line[160];
    std::snprintf(line, sizeof line, "%d\t%.6f\t%.6f\t%.6f\t%.3f\t%d\n", e.epoch, e.train_loss,
                  e.valid_loss, e.valid_accuracy, e.seconds, e.epoch == result.best_epoch);
    log += line;
  }
  return log;
}

double mean_loss(Loss loss, const std::vector<float>& logits, const std::vector<float>& labels) {
  double s = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    s += loss == Loss::bce ? bce(logits[i], labels[i])
                           : (static_cast<double>(logits[i]) - labels[i]) *
                                 (static_cast<double>(logits[i]) - labels[i]);
  }
  return logits.empty() ? 0.0 : s / static_cast<double>(logits.size());
}

std::vector<float> predict_codes(CnnBackend& backend, const std::uint8_t* codes, std::int64_t n,
                                 int length) {
  std::vector<float> logits(n);
  const int cap = backend.capacity();
  for (std::int64_t first = 0; first < n; first += cap) {
    const int count = static_cast<int>(std::min<std::int64_t>(cap, n - first));
    CnnInput in;
    in.codes = codes + first * length;
    backend.forward(in, count, Mode::infer, logits.data() + first);
  }
  return logits;
}

namespace {

// What the training loop drives: the paper's CnnBackend or a general sequential network.
class TrainNet {
 public:
  virtual ~TrainNet() = default;
  // Train-mode logits of a mini-batch (BatchNorm's batch statistics, running ones updated).
  virtual void forward(const CnnInput& in, int n, float* logits) = 0;
  virtual void backward(const float* dlogits) = 0;  // of the last forward's batch
  virtual void adam_step(const AdamOptions& options, long step) = 0;
  virtual std::vector<float> predict(const std::uint8_t* codes, std::int64_t n) = 0;
  virtual Model snapshot() const = 0;  // the current weights
  virtual int capacity() const = 0;
};

class BackendNet final : public TrainNet {
 public:
  BackendNet(const ModelConfig& config, std::uint64_t seed, CnnBackend& backend)
      : model_(init_model(config, seed)), backend_(backend) {
    backend_.set_params(model_.params);
  }
  void forward(const CnnInput& in, int n, float* logits) override {
    backend_.forward(in, n, Mode::train, logits);
  }
  void backward(const float* dlogits) override { backend_.backward(dlogits, nullptr); }
  void adam_step(const AdamOptions& options, long step) override {
    backend_.adam_step(options, step);
  }
  std::vector<float> predict(const std::uint8_t* codes, std::int64_t n) override {
    return predict_codes(backend_, codes, n, model_.config.length);
  }
  Model snapshot() const override {
    Model m = model_;
    m.params = backend_.params();
    return m;
  }
  int capacity() const override { return backend_.capacity(); }

 private:
  Model model_;
  CnnBackend& backend_;
};

// A general sequential model: ops/seqnet's SeqNet on the CPU or SeqNetCuda on the GPU (the same
// interface); Adam as PyTorch's (ops/adam) on the host, Dropout's masks from the seed and the
// step.
template <typename Net>
class SequentialNet final : public TrainNet {
 public:
  SequentialNet(const SequentialArchitecture& arch, std::uint64_t seed, int capacity, int threads)
      : model_{arch, init_sequential(arch, seed)},
        net_(make(arch, capacity, threads)),
        m_(SequentialParams::zeros(arch)),
        v_(SequentialParams::zeros(arch)),
        seed_(seed),
        threads_(threads) {
    for (LayerParams& l : m_.layers) l.weight.assign(l.weight.size(), 0.0f);
    for (LayerParams& l : v_.layers) l.weight.assign(l.weight.size(), 0.0f);
  }
  void forward(const CnnInput& in, int n, float* logits) override {
    const std::vector<float> x = dense_input(in, n, model_.arch.length);
    out_.resize(static_cast<std::size_t>(n) * model_.arch.outputs());
    net_.set_dropout_stream(seed_, static_cast<std::uint64_t>(++forwards_));
    net_.forward(model_.params, x.data(), n, Mode::train, out_.data());
    net_.update_running_stats(model_.params);
    n_ = n;
    for (int i = 0; i < n; ++i) logits[i] = out_[static_cast<std::size_t>(i)];  // one output
  }
  void backward(const float* dlogits) override {
    net_.backward(model_.params, dlogits, &grads_, nullptr);
  }
  void adam_step(const AdamOptions& options, long step) override {
    const AdamStep k = adam_step_constants(options, step);
    std::vector<std::vector<float>*> p = model_.params.trainable(), g = grads_.trainable(),
                                     m = m_.trainable(), v = v_.trainable();
    for (std::size_t t = 0; t < p.size(); ++t) {
      for (std::size_t j = 0; j < p[t]->size(); ++j) {
        adam_update(k, (*g[t])[j], (*p[t])[j], (*m[t])[j], (*v[t])[j]);
      }
    }
  }
  std::vector<float> predict(const std::uint8_t* codes, std::int64_t n) override {
    CnnInput in;
    in.codes = codes;
    if constexpr (std::is_same_v<Net, SeqNetCuda>) return seqnet_predict_cuda(model_, in, n);
    return seqnet_predict(model_, in, n, threads_);
  }
  Model snapshot() const override { return Model::general(model_); }
  int capacity() const override { return net_.capacity(); }

 private:
  static Net make(const SequentialArchitecture& arch, int capacity, int threads) {
    if constexpr (std::is_same_v<Net, SeqNetCuda>) {
      (void)threads;
      return Net(arch, capacity);
    } else {
      return Net(arch, capacity, threads);
    }
  }
  SequentialModel model_;
  Net net_;
  SequentialParams grads_, m_, v_;
  std::vector<float> out_;
  std::uint64_t seed_;
  int threads_, n_ = 0;
  long forwards_ = 0;
};

TrainResult train_loop(TrainNet& net, int length, const SplitData& train, const SplitData& valid,
                       const TrainOptions& o) {
  if (train.length != length || valid.length != length) {
    throw Error("the data's sequence length (" + std::to_string(train.length) +
                ") differs from the model's L = " + std::to_string(length));
  }
  if (o.batch <= 0 || o.batch > net.capacity())
    throw Error("--batch must be in 1.." + std::to_string(net.capacity()));
  if (train.size() == 0 || valid.size() == 0)
    throw Error("training needs non-empty train and valid splits");
  const bool tty = o.print_progress && ::isatty(2);
  TrainResult result;
  result.model = net.snapshot();
  double best = INFINITY;
  int since_best = 0;
  long step = 0;
  std::vector<std::uint8_t> batch_codes(static_cast<std::size_t>(o.batch) * length);
  std::vector<float> logits(o.batch), dlogits(o.batch);
  const std::int64_t batches = (train.size() + o.batch - 1) / o.batch;
  const std::int64_t total_batches = batches * std::max(o.max_epochs, 0);
  report_progress(o.progress, 0, total_batches);
  for (int epoch = 1; epoch <= o.max_epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::int64_t> order = epoch_order(train.size(), o.seed, epoch);
    double loss_sum = 0;
    for (std::int64_t first = 0; first < train.size(); first += o.batch) {
      const int n = static_cast<int>(std::min<std::int64_t>(o.batch, train.size() - first));
      for (int i = 0; i < n; ++i) {
        std::copy_n(train.codes.data() + order[first + i] * length, length,
                    batch_codes.data() + static_cast<std::size_t>(i) * length);
      }
      CnnInput in;
      in.codes = batch_codes.data();
      net.forward(in, n, logits.data());
      for (int i = 0; i < n; ++i) {
        const double z = logits[i], y = train.labels[order[first + i]];
        if (o.loss == Loss::bce) {
          loss_sum += bce(z, y);
          dlogits[i] = static_cast<float>((sigmoid(z) - y) / n);
        } else {
          loss_sum += (z - y) * (z - y);
          dlogits[i] = static_cast<float>(2 * (z - y) / n);
        }
      }
      net.backward(dlogits.data());
      net.adam_step(o.adam, ++step);
      progress(tty, epoch, o.max_epochs, first + n, train.size(),
               loss_sum / static_cast<double>(first + n));
      report_progress(o.progress, (epoch - 1) * batches + first / o.batch + 1, total_batches);
    }
    const std::vector<float> valid_logits = net.predict(valid.codes.data(), valid.size());
    EpochLog log;
    log.epoch = epoch;
    log.train_loss = loss_sum / static_cast<double>(train.size());
    log.valid_loss = mean_loss(o.loss, valid_logits, valid.labels);
    if (!std::isfinite(log.valid_loss)) {
      throw Error("training diverged at epoch " + std::to_string(epoch) +
                  " (validation loss is not finite); try a smaller --lr");
    }
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < valid.size(); ++i) {
      correct += o.loss == Loss::bce ? classified_correctly(valid_logits[i], valid.labels[i])
                                     : std::abs(valid_logits[i] - valid.labels[i]) < 0.5f;
    }
    log.valid_accuracy = static_cast<double>(correct) / static_cast<double>(valid.size());
    log.improved = log.valid_loss < best;
    log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.history.push_back(log);
    if (o.on_epoch) o.on_epoch(log);
    if (o.print_progress) {
      std::fprintf(stderr,
                   "%sepoch %3d/%d  train loss %.4f  valid loss %.4f  valid acc %.4f  %.1f s%s\n",
                   tty ? "\r" : "", epoch, o.max_epochs, log.train_loss, log.valid_loss,
                   log.valid_accuracy, log.seconds, log.improved ? "  *" : "");
      set_line_open(stderr, false);
    }
    if (log.improved) {
      best = log.valid_loss;
      since_best = 0;
      result.best_epoch = epoch;
      result.model = net.snapshot();
    } else if (++since_best >= o.patience) {
      break;
    }
  }
  if (result.history.size() < static_cast<std::size_t>(o.max_epochs)) {
    report_progress(o.progress, total_batches,
                    total_batches);  // stopped early: the run is complete
  }
  return result;
}

}  // namespace

TrainResult train_model(const ModelConfig& config, const SplitData& train, const SplitData& valid,
                        const TrainOptions& o, CnnBackend& backend) {
  BackendNet net(config, o.seed, backend);
  return train_loop(net, config.length, train, valid, o);
}

TrainResult train_sequential(const SequentialArchitecture& arch, const SplitData& train,
                             const SplitData& valid, const TrainOptions& o, int threads, bool gpu) {
  if (arch.outputs() != 1) {
    throw Error(
        "training needs a model with one output (a data set has one label per "
        "sequence); the architecture has " +
        std::to_string(arch.outputs()));
  }
  if (gpu) {
    SequentialNet<SeqNetCuda> net(arch, o.seed, std::max(o.batch, 1), threads);
    return train_loop(net, arch.length, train, valid, o);
  }
  SequentialNet<SeqNet> net(arch, o.seed, std::max(o.batch, 1), threads);
  return train_loop(net, arch.length, train, valid, o);
}

TrainingSummary read_training_log(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // header
  TrainingSummary log;
  log.valid_loss = log.valid_metric = NAN;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream f(line);
    int epoch = 0, best = 0;
    double train_loss = 0, valid_loss = 0, valid_acc = 0, seconds = 0;
    if (!(f >> epoch >> train_loss >> valid_loss >> valid_acc >> seconds >> best)) {
      throw Error(path + ": malformed training log line '" + line + "'");
    }
    ++log.epochs;
    if (best) {
      log.best_epoch = epoch;
      log.valid_loss = valid_loss;
      log.valid_metric = valid_acc;
    }
  }
  return log;
}

PoolSpec parse_pool(const std::string& text) {
  if (text == "global") return {true, 0};
  std::size_t used = 0;
  int p = 0;
  try {
    p = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || p <= 0) {
    throw Error("pool must be \"global\" or a positive width, got '" + text + "'");
  }
  return {false, p};
}

std::string to_string(const PoolSpec& pool) {
  return pool.global ? "global" : std::to_string(pool.width);
}

ModelConfig model_config(const Simulation& data, const ModelSpec& spec) {
  if (spec.width < 0) {
    throw Error("filter width K = " + std::to_string(spec.width) +
                " must be positive (or 0: the data set's K)");
  }
  ModelConfig m;
  m.length = data.options.length;
  m.filters = spec.filters;
  m.width = spec.width > 0 ? spec.width : data.grammar.filter_width;
  m.padding = spec.padding;
  m.activation = spec.activation;
  m.batchnorm = spec.batchnorm;
  m.hidden1 = spec.hidden1;
  m.hidden2 = spec.hidden2;
  m.pool = spec.pool.global ? m.conv_length() : spec.pool.width;
  m.validate();
  return m;
}

std::string model_stem(const std::string& name, int filters, std::uint64_t seed) {
  return name + "_f" + std::to_string(filters) + "_seed" + std::to_string(seed);
}

namespace {

// The options' checks and the data's loss (options.loss is overwritten).
void prepare_options(const Simulation& data, TrainOptions& options) {
  if (!(std::isfinite(options.adam.lr) && options.adam.lr > 0)) {
    throw Error("--lr must be a positive finite number, got " + std::to_string(options.adam.lr));
  }
  if (options.batch < 1 || options.batch > kMaxTrainBatch) {
    throw Error("--batch must be in 1.." + std::to_string(kMaxTrainBatch) + ", got " +
                std::to_string(options.batch));
  }
  // No epoch, no model: an untrained file would mark the model finished (issue 13).
  if (options.max_epochs < 1) {
    throw Error("--epochs must be at least 1, got " + std::to_string(options.max_epochs));
  }
  if (options.patience < 0) {
    throw Error("--patience must be >= 0, got " + std::to_string(options.patience));
  }
  options.loss = data.options.design.kind == DesignKind::regression ? Loss::mse : Loss::bce;
}

TrainResult save_result(TrainResult r, const std::string& dir, const std::string& stem) {
  if (r.history.empty() || r.best_epoch < 1) {
    throw Error("training recorded no epoch; no model written for " + stem);
  }
  make_directories(dir);
  const std::filesystem::path base = std::filesystem::path(dir) / stem;
  const std::string log = base.string() + ".log.tsv";
  // A model that cannot be written leaves no log of it: the log it replaced comes back, or none.
  const bool had_log = std::filesystem::exists(log);
  const std::string old_log = had_log ? read_file(log) : std::string();
  write_file_atomic(log, training_log_tsv(r));
  try {
    save_model(base.string() + ".safetensors", r.model);  // last: marks a finished model
  } catch (...) {
    std::error_code ec;
    if (had_log) {
      try {
        write_file_atomic(log, old_log);
      } catch (...) {
        std::filesystem::remove(log, ec);
      }
    } else {
      std::filesystem::remove(log, ec);
    }
    throw;
  }
  return r;
}

}  // namespace

TrainResult train_on(const Simulation& data, const ModelConfig& config, TrainOptions options,
                     const Compute& compute) {
  prepare_options(data, options);
  const int capacity = std::max(options.batch, options.eval_batch);
  // The conv layer's output and its gradient for a batch, a lower bound of the backend's
  // buffers, checked before the backend allocates them.
  check_memory(
      "training (--batch " + std::to_string(options.batch) + ")",
      bytes_of({static_cast<std::uint64_t>(capacity), static_cast<std::uint64_t>(config.filters),
                static_cast<std::uint64_t>(config.conv_length()), 2 * sizeof(float)}),
      std::to_string(capacity) + " sequences x F " + std::to_string(config.filters) + " x " +
          std::to_string(config.conv_length()) + " conv outputs");
  auto backend = make_backend(compute.backend(), config, capacity, compute.threads);
  return train_model(config, find_split(data, "train"), find_split(data, "valid"), options,
                     *backend);
}

TrainResult train_on(const Simulation& data, const SequentialArchitecture& arch,
                     TrainOptions options, const Compute& compute) {
  prepare_options(data, options);
  // Every layer's output and its gradient for a batch (backpropagation keeps them all), a lower
  // bound of the network's buffers, checked before it allocates them.
  std::uint64_t floats = static_cast<std::uint64_t>(arch.size_before(0));
  for (const SequentialLayer& l : arch.layers) {
    floats = add_bytes(floats, static_cast<std::uint64_t>(l.size_after()));
  }
  const auto batch = static_cast<std::uint64_t>(std::max(options.batch, 1));
  check_memory("training (--batch " + std::to_string(options.batch) + ")",
               bytes_of({batch, floats, 2 * sizeof(float)}),
               std::to_string(batch) + " sequences x " + std::to_string(floats) +
                   " activations of the architecture's layers, with their gradients");
  if (compute.device == DeviceChoice::cuda) {
    throw Error(
        "general sequential models train on the CPU in this version; use --device cpu "
        "or auto");
  }
  return train_sequential(arch, find_split(data, "train"), find_split(data, "valid"), options,
                          compute.threads, general_on_gpu(compute));
}

TrainResult train_and_save(const Simulation& data, const ModelConfig& config, TrainOptions options,
                           const Compute& compute, const std::string& dir,
                           const std::string& stem) {
  return save_result(train_on(data, config, std::move(options), compute), dir, stem);
}

TrainResult train_and_save(const Simulation& data, const SequentialArchitecture& arch,
                           TrainOptions options, const Compute& compute, const std::string& dir,
                           const std::string& stem) {
  return save_result(train_on(data, arch, std::move(options), compute), dir, stem);
}

}  // namespace mint
