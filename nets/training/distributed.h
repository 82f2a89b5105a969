// Data-parallel training on LibTorch's own distributed engine (c10d): a
// TCPStore for rendezvous and a Gloo process group, the engine PyTorch's
// DistributedDataParallel runs on (issue #15, spec section 8). This is the
// layer the pipeline's data-parallel stages are built on: reading torchrun's
// environment, connecting with a timeout and an options check, weights from
// rank 0, bucketed gradient averaging, buffer averaging, each rank's slice
// of a global batch, and results shared through the store.
//
//   absl::StatusOr<DistributedEnv> env = ReadDistributedEnv();
//   auto dp = DataParallel::Connect(*env, options, std::chrono::seconds(300));
//   (*dp)->Broadcast(*net);  ... loss.backward(); (*dp)->AverageGradientsAndBuffers(*net);
#ifndef AGNAPPROX_NETS_TRAINING_DISTRIBUTED_H_
#define AGNAPPROX_NETS_TRAINING_DISTRIBUTED_H_

#include <torch/torch.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace c10d {
class ProcessGroup;
class Store;
}  // namespace c10d

namespace agnapprox {

// torchrun's variables. Without WORLD_SIZE the run is one process.
struct DistributedEnv {
  int world_size = 1;
  int rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // Ranks on this machine (torchrun's LOCAL_WORLD_SIZE; 1 when unset), so
  // that they can share its cores.
  int local_world_size = 1;
};

// InvalidArgument naming the variable when WORLD_SIZE, RANK, MASTER_PORT or
// LOCAL_WORLD_SIZE is not an integer or out of range (WORLD_SIZE >= 1, 0 <=
// RANK < WORLD_SIZE, 1 <= MASTER_PORT <= 65535, 1 <= LOCAL_WORLD_SIZE <=
// WORLD_SIZE), or RANK is missing beside WORLD_SIZE. `getenv` is for tests.
absl::StatusOr<DistributedEnv> ReadDistributedEnv(
    const std::function<const char*(const char*)>& getenv = [](const char* name) {
      return std::getenv(name);
    });

// Rank `rank`'s contiguous slice [first, first + count) of a global batch of
// `size` examples: slices are disjoint, cover the batch, and differ in size
// by at most one.
std::pair<int64_t, int64_t> SliceOfBatch(int64_t size, int rank, int world_size);

// What data-parallel training throws when a collective fails (a rank left,
// or the timeout passed): one line naming this rank, the address and what
// failed.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DataParallel {
 public:
  // Rendezvous at env.master_addr:env.master_port (rank 0 serves the store)
  // and a Gloo process group. Fails within `timeout` with one line naming
  // the address when the store cannot be reached or not every rank came.
  // `options` (flag, value) must be the same on every rank: otherwise every
  // rank fails with one line naming the first flag that differs.
  static absl::StatusOr<std::unique_ptr<DataParallel>> Connect(
      const DistributedEnv& env, const std::vector<std::pair<std::string, std::string>>& options,
      std::chrono::milliseconds timeout);
  ~DataParallel();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // Every parameter and buffer of `module` from rank 0.
  absl::Status Broadcast(torch::nn::Module& module);
  // What a training step does after its backward, one synchronisation:
  // each parameter's gradient becomes the mean over the ranks (parameters
  // without a gradient count as zero), and so do the floating-point buffers
  // (batch-norm statistics, observers), so that they stay identical. All
  // flattened into buckets of at most kBucketFloats, one all-reduce per
  // bucket (not one per tensor). A rank that had no examples this step
  // passes contributes = false: its buffers are left out of their mean
  // (`contributors` ranks contributed; 0: all).
  absl::Status AverageGradientsAndBuffers(torch::nn::Module& module, bool contributes = true,
                                          int contributors = 0);
  // The mean of `value` over the ranks (e.g. an epoch's training loss).
  absl::StatusOr<double> Mean(double value);
  // Element-wise sums over the ranks, in double.
  absl::StatusOr<std::vector<double>> Sum(const std::vector<double>& values);
  // (min of lo, max of hi) over the ranks: exact, in any order.
  absl::StatusOr<std::pair<float, float>> Range(float lo, float hi);

  // Results of work only rank 0 does (setup, matching, a stage's files),
  // shared through the store under `key` (each key once per run). Rank 0
  // passes its result and gets it back; the other ranks ignore `value`, wait
  // for rank 0's and get its bytes, or its error as "rank 0: <message>".
  absl::StatusOr<std::string> ShareFromRankZero(const std::string& key,
                                                const absl::StatusOr<std::string>& value);
  // A result (bytes or an error, published as "rank R: <message>") under
  // `key`, and a wait for one that rank `from` publishes. Every rank beats
  // a heartbeat in the store (a thread with its own connection, every
  // quarter of the timeout): Fetch waits as long as `from`'s heartbeat goes
  // on, and fails after a whole timeout without one, or at once when the
  // store is gone (rank 0 ended).
  absl::Status Publish(const std::string& key, const absl::StatusOr<std::string>& value);
  absl::StatusOr<std::string> Fetch(const std::string& key, int from);

  // The end of a run, called by every rank with its own outcome: rank 0
  // publishes its status, closes the process group (a rank still waiting in
  // a collective fails at once instead of at the timeout) and waits until
  // every other rank has read it (at most the timeout), so that the store it
  // serves outlives their reads. The others return rank 0's status (its
  // error as "rank 0: <message>"), or their own error when rank 0 is gone
  // or has not failed. So every rank leaves with rank 0's exit status.
  absl::Status Conclude(const absl::Status& local);

  static constexpr int64_t kBucketFloats = int64_t{1} << 22;  // 16 MiB

 private:
  DataParallel() = default;
  // Sums over the ranks, each tensor divided by its divisor (missing or 0:
  // the world size).
  absl::Status AllReduceMean(const std::vector<torch::Tensor>& tensors,
                             const std::vector<int>& divisors = {});
  int64_t Heartbeats(int rank);  // throws when the store is gone
  void StopHeartbeat();

  int rank_ = 0, world_size_ = 1;
  std::string address_;
  std::chrono::milliseconds timeout_{0};
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  c10::intrusive_ptr<c10d::Store> heartbeat_store_;
  std::thread heartbeat_;
  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_stop_;
  bool stopping_ = false;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_TRAINING_DISTRIBUTED_H_
