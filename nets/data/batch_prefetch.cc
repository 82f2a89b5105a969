#include "nets/data/batch_prefetch.h"

#include <stdexcept>

namespace agnapprox {

BatchPrefetch::BatchPrefetch(const Dataset& data, std::vector<BatchRequest> requests,
                             size_t capacity)
    : data_(data), requests_(std::move(requests)), capacity_(std::max<size_t>(1, capacity)) {
  worker_ = std::thread([this] { Work(); });
}

BatchPrefetch::~BatchPrefetch() {
  {
    std::lock_guard<std::mutex> hold(lock_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void BatchPrefetch::Work() {
  torch::NoGradGuard no_grad;
  for (const BatchRequest& r : requests_) {
    {
      std::unique_lock<std::mutex> hold(lock_);
      changed_.wait(hold, [&] { return stop_ || ready_.size() < capacity_; });
      if (stop_) return;
    }
    torch::Tensor batch;
    std::string error;
    try {
      batch = data_.Images(r.index, r.augment_seed);
    } catch (const std::exception& e) {
      error = e.what();
    }
    {
      std::lock_guard<std::mutex> hold(lock_);
      if (!error.empty()) {
        error_ = error;
        changed_.notify_all();
        return;
      }
      ready_.push_back(std::move(batch));
    }
    changed_.notify_all();
  }
}

torch::Tensor BatchPrefetch::Next() {
  std::unique_lock<std::mutex> hold(lock_);
  if (taken_ >= requests_.size()) throw std::runtime_error("BatchPrefetch: no batch left");
  changed_.wait(hold, [&] { return !ready_.empty() || !error_.empty(); });
  if (ready_.empty()) throw std::runtime_error(error_);
  torch::Tensor batch = std::move(ready_.front());
  ready_.pop_front();
  ++taken_;
  changed_.notify_all();
  return batch;
}

}  // namespace agnapprox
