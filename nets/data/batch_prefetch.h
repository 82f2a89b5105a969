// Decoding a streamed data set's batches ahead of their use: a worker thread
// decodes the next batches of a known order into a bounded queue while the
// caller trains on the current one, so that resident memory follows the
// batch size (at most `capacity` decoded batches wait), not the data set.
//
//   BatchPrefetch ahead(train, {{idx0, seed0}, {idx1, seed1}, ...}, 2);
//   for (...) { torch::Tensor x = ahead.Next(); ... }
#ifndef AGNAPPROX_NETS_DATA_BATCH_PREFETCH_H_
#define AGNAPPROX_NETS_DATA_BATCH_PREFETCH_H_

#include <torch/torch.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "nets/data/dataset.h"

namespace agnapprox {

// One batch to decode: the examples (int64 indices into the data set) and
// the augmentation seed (-1: the evaluation transform).
struct BatchRequest {
  torch::Tensor index;
  int64_t augment_seed = -1;
};

class BatchPrefetch {
 public:
  // Starts decoding `requests` in order. REQUIRES: `data` outlives this.
  BatchPrefetch(const Dataset& data, std::vector<BatchRequest> requests, size_t capacity);
  // Stops the worker (batches not taken are dropped).
  ~BatchPrefetch();
  BatchPrefetch(const BatchPrefetch&) = delete;
  BatchPrefetch& operator=(const BatchPrefetch&) = delete;

  // The next batch, in request order: what data.Images(index, seed) gives.
  // Throws std::runtime_error (naming the image) when it did not decode.
  torch::Tensor Next();

 private:
  void Work();

  const Dataset& data_;
  const std::vector<BatchRequest> requests_;
  const size_t capacity_;
  std::mutex lock_;
  std::condition_variable changed_;
  std::deque<torch::Tensor> ready_;
  std::string error_;
  size_t taken_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_BATCH_PREFETCH_H_
