#include "nets/training/train.h"

#include "nets/data/batch_prefetch.h"

#include "nets/training/distributed.h"

#include <ATen/CPUGeneratorImpl.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <limits>
#include <stdexcept>

namespace agnapprox {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// One line, redrawn in place on a terminal; only the final state elsewhere.
void Progress(const std::string& label, int epoch, int epochs, int64_t batch,
              int64_t batches, double loss, double elapsed, bool done) {
  static const bool tty = isatty(STDERR_FILENO);
  if (!tty && !done) return;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(kWidth * batch / std::max<int64_t>(batches, 1));
  const double eta = batch > 0 ? elapsed * (batches - batch) / batch : 0;
  std::fprintf(stderr, "%s%-16s epoch %d/%d [%s%s] %lld/%lld loss %.4f %s %.0fs%s",
               tty ? "\r" : "", label.c_str(), epoch, epochs,
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
               static_cast<long long>(batch), static_cast<long long>(batches), loss,
               done ? "took" : "ETA", done ? elapsed : eta, done ? "\n" : "");
  std::fflush(stderr);
}

// Data-parallel training: this step's global batch and this rank's rows of
// it, which every approximable layer sees through a GlobalBatch, so that
// the ranks together compute what one process computes on the global
// batch: observer ranges over every slice (exact), and gradient search's
// noise drawn per example of the global batch from the step's seed (the
// same numbers on whichever rank) and scaled by the global batch's std.
struct GlobalStep {
  int64_t global = 0, offset = 0;
  uint64_t seed = 0;
};

// A 64-bit mix (splitmix64's finaliser): nearby inputs, unrelated outputs.
uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

void Check(const absl::Status& s) {
  if (!s.ok()) throw DistributedError(std::string(s.message()));
}

// Attaches a GlobalBatch to each approximable layer for the guard's life.
class GlobalBatchGuard {
 public:
  GlobalBatchGuard(ApproxNetImpl& net, DataParallel* dp, std::shared_ptr<const GlobalStep> step) {
    if (dp == nullptr) return;
    for (auto& [name, layer] : net.approx_layers()) layers_.push_back(layer);
    for (size_t li = 0; li < layers_.size(); ++li) {
      auto g = std::make_shared<GlobalBatch>();
      g->range = [dp](float lo, float hi) {
        absl::StatusOr<std::pair<float, float>> r = dp->Range(lo, hi);
        Check(r.status());
        return *r;
      };
      g->noise = [dp, step, li](const torch::Tensor& y) {
        if (y.numel() == 0) {  // a rank without examples: its part of the sums
          Check(dp->Sum({0, 0, 0}).status());
          return std::make_pair(y, 0.0);
        }
        // Each example's noise from a generator of its own, seeded by the
        // step, the layer and the example's place in the global batch: a
        // rank draws only its own rows, the same numbers whichever rank
        // holds them.
        const torch::Tensor normal = torch::empty_like(y, at::MemoryFormat::Contiguous);
        for (int64_t i = 0; i < y.size(0); ++i) {
          const uint64_t key = (static_cast<uint64_t>(li) << 40) ^
                               static_cast<uint64_t>(step->offset + i);
          normal[i].normal_(0, 1, at::make_generator<at::CPUGeneratorImpl>(
                                      SplitMix64(step->seed ^ SplitMix64(key))));
        }
        absl::StatusOr<std::vector<double>> sums =
            dp->Sum({y.sum(torch::kDouble).item<double>(),
                     y.square().sum(torch::kDouble).item<double>(), static_cast<double>(y.numel())});
        Check(sums.status());
        const double n = (*sums)[2];
        const double var = n > 1 ? ((*sums)[1] - (*sums)[0] * (*sums)[0] / n) / (n - 1) : 0.0;
        return std::make_pair(normal, std::sqrt(std::max(var, 0.0)));
      };
      layers_[li]->set_global_batch(std::move(g));
    }
  }
  ~GlobalBatchGuard() {
    for (ApproxLayer& l : layers_) l->set_global_batch(nullptr);
  }
  GlobalBatchGuard(const GlobalBatchGuard&) = delete;
  GlobalBatchGuard& operator=(const GlobalBatchGuard&) = delete;

 private:
  std::vector<ApproxLayer> layers_;
};

std::vector<double> Sigmas(ApproxNetImpl& net) {
  std::vector<double> s;
  for (auto& [name, layer] : net.approx_layers()) s.push_back(layer->sigma.item<double>());
  return s;
}

}  // namespace

torch::Tensor EpochOrder(int64_t n, uint64_t seed) {
  const at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randperm(n, gen, torch::kLong);
}

torch::Tensor NoiseReward(ApproxNetImpl& net, double sigma_max) {
  double total = 0;
  for (auto& [name, layer] : net.approx_layers()) total += layer->opcount();
  torch::Tensor reward = torch::zeros({});
  for (auto& [name, layer] : net.approx_layers()) {
    reward = reward + (layer->opcount() / total) * torch::clamp_max(layer->sigma.abs(), sigma_max);
  }
  return reward;
}

double Evaluate(ApproxNetImpl& net, const Dataset& data, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  net.eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < data.size(); start += batch_size) {
    const int64_t end = std::min(start + batch_size, data.size());
    const torch::Tensor logits = net.forward(data.Images(start, end));
    correct += logits.argmax(1).eq(data.labels.slice(0, start, end)).sum().item<int64_t>();
  }
  return data.size() == 0 ? 0.0 : static_cast<double>(correct) / data.size();
}

std::unique_ptr<torch::optim::SGD> MakeOptimizer(ApproxNetImpl& net, Mode mode,
                                                 const StageSettings& settings) {
  // Sigma is learnt only in gradient search, in its own group without
  // weight decay; elsewhere it stays as it is.
  std::vector<torch::Tensor> weights, sigmas;
  for (const auto& p : net.named_parameters()) {
    const bool is_sigma = p.key().size() >= 5 && p.key().substr(p.key().size() - 5) == "sigma";
    if (!is_sigma) {
      weights.push_back(p.value());
    } else if (mode == Mode::kGradientSearch) {
      sigmas.push_back(p.value());
    }
  }
  const auto group_options = [&](double weight_decay) {
    return std::make_unique<torch::optim::SGDOptions>(
        torch::optim::SGDOptions(settings.lr).momentum(settings.momentum).weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(weights, group_options(settings.weight_decay));
  if (!sigmas.empty()) groups.emplace_back(sigmas, group_options(0.0));
  return std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(settings.lr));
}

std::vector<EpochResult> TrainStage(ApproxNetImpl& net, Mode mode,
                                    const StageSettings& settings, const Dataset& train,
                                    const Dataset& test, const TrainOptions& options) {
  net.set_mode(mode);
  std::unique_ptr<torch::optim::SGD> owned = MakeOptimizer(net, mode, settings);
  torch::optim::SGD& optimizer = *owned;
  std::vector<EpochResult> results;
  const int64_t n = train.size();
  const int64_t batches = (n + options.batch_size - 1) / options.batch_size;
  DataParallel* dp = options.data_parallel;
  if (dp != nullptr) Check(dp->Broadcast(net));
  const auto step = std::make_shared<GlobalStep>();
  for (int epoch = 1; epoch <= settings.epochs; ++epoch) {
    const auto start = Clock::now();
    for (auto& group : optimizer.param_groups()) {
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(settings.LearningRate(epoch - 1));
    }
    net.train();
    // The epoch's order, seeded: the same on every rank, and the same as one
    // process's, which walks the same global batches. One process also
    // reseeds LibTorch's generator, which gradient search's noise then
    // draws from.
    const uint64_t order_seed = options.seed * 1000003 + epoch;
    torch::Tensor order;
    if (dp == nullptr) {
      torch::manual_seed(order_seed);
      order = torch::randperm(n, torch::kLong);
    } else {
      order = EpochOrder(n, order_seed);
    }
    double loss_sum = 0;
    // Each step: its global batch's size, this rank's slice of it (data-
    // parallel) as [first, last) of the epoch's order, and its seed
    // (augmentation and, data-parallel, the noise).
    struct Slice {
      int64_t global, offset, first, last;
      uint64_t seed;
    };
    std::vector<Slice> slices;
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t begin = b * options.batch_size, end = std::min(n, begin + options.batch_size);
      Slice s{end - begin, 0, begin, end, options.seed * 1000003 + epoch * 100003 + b};
      if (dp != nullptr) {
        const auto [offset, count] = SliceOfBatch(end - begin, dp->rank(), dp->world_size());
        s.offset = offset;
        s.first = begin + offset;
        s.last = s.first + count;
      }
      slices.push_back(s);
    }
    // A streamed data set's batches are decoded ahead on a worker thread:
    // this rank's examples of every step, in order, with each step's seed.
    std::optional<BatchPrefetch> ahead;
    if (train.source != nullptr) {
      std::vector<BatchRequest> requests;
      for (const Slice& s : slices) {
        if (s.last <= s.first) continue;  // this rank takes part without data
        requests.push_back({order.slice(0, s.first, s.last),
                            train.source->options().augment ? static_cast<int64_t>(s.seed >> 1)
                                                            : -1});
      }
      ahead.emplace(train, std::move(requests), /*capacity=*/2);
    }
    // Data-parallel: the layers see the global batch until evaluation.
    std::optional<GlobalBatchGuard> global_batch;
    global_batch.emplace(net, dp, step);
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t first = slices[b].first, last = slices[b].last;
      const uint64_t batch_seed = slices[b].seed;
      if (dp != nullptr) {
        step->global = slices[b].global;
        step->offset = slices[b].offset;
        step->seed = batch_seed;
      }
      const torch::Tensor idx = order.slice(0, first, last);
      // Ranks with examples in this step (buffers are averaged over them).
      const int contributors =
          dp == nullptr ? 1 : static_cast<int>(std::min<int64_t>(step->global, dp->world_size()));
      if (idx.numel() == 0) {  // more ranks than examples left: still take part
        for (auto& [name, layer] : net.approx_layers()) layer->TakePartWithoutData();
        optimizer.zero_grad();
        // The reward's gradient is the same on every rank, and so must be
        // every rank's share of the mean.
        if (mode == Mode::kGradientSearch) {
          (-options.lambda * NoiseReward(net, options.sigma_max)).backward();
        }
        Check(dp->AverageGradientsAndBuffers(net, /*contributes=*/false, contributors));
        optimizer.step();
        continue;
      }
      // A streamed set augments while it decodes (from the batch's seed).
      torch::Tensor x = ahead ? ahead->Next() : train.Images(idx);
      if (options.augment) x = options.augment(x, batch_seed);
      const torch::Tensor y = train.labels.index_select(0, idx);
      optimizer.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net.forward(x), y);
      // Data-parallel: the slice's mean loss weighted by its share of the
      // global batch, so that the mean of the ranks' gradients is the
      // global batch's even when the slices differ in size.
      torch::Tensor objective =
          dp == nullptr ? loss
                        : loss * (static_cast<double>(idx.numel()) * dp->world_size() / step->global);
      if (mode == Mode::kGradientSearch) {
        const torch::Tensor reward = options.lambda * NoiseReward(net, options.sigma_max);
        loss = loss - reward;
        objective = objective - reward;
      }
      objective.backward();
      // The buffers (updated by the forward) with the gradients: one
      // synchronisation per step.
      if (dp != nullptr) {
        Check(dp->AverageGradientsAndBuffers(net, /*contributes=*/true, contributors));
      }
      optimizer.step();
      loss_sum += loss.item<double>();
      if (options.progress) {
        Progress(options.label, epoch, settings.epochs, b + 1, batches, loss_sum / (b + 1),
                 Seconds(start), false);
      }
    }
    global_batch.reset();
    EpochResult r;
    r.epoch = epoch;
    r.loss = batches > 0 ? loss_sum / batches : 0;
    if (dp != nullptr) {
      // The epoch's loss over every rank's slices; rank 0 alone evaluates.
      absl::StatusOr<double> mean = dp->Mean(r.loss);
      Check(mean.status());
      r.loss = *mean;
    }
    r.accuracy = dp == nullptr || dp->rank() == 0 ? Evaluate(net, test, 512)
                                                  : std::numeric_limits<double>::quiet_NaN();
    r.sigmas = Sigmas(net);
    r.seconds = Seconds(start);
    if (options.progress) {
      Progress(options.label, epoch, settings.epochs, batches, batches, r.loss, r.seconds, true);
    }
    results.push_back(r);
  }
  return results;
}

}  // namespace agnapprox
