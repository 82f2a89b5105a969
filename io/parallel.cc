#include "io/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace agnapprox {
namespace {

// True on a thread while it runs tasks: a nested RunTasks runs serially.
thread_local bool in_tasks = false;

// Marks this thread as running tasks for its lifetime (exceptions included).
class InTasks {
 public:
  InTasks() : was_(in_tasks) { in_tasks = true; }
  ~InTasks() { in_tasks = was_; }

 private:
  bool was_;
};

// The persistent workers. One job at a time; the caller works on it too.
// Workers sleep on a condition variable between jobs (no spinning), and take
// one task at a time, so a descheduled worker holds up at most one task.
class Pool {
 public:
  void Run(size_t helpers, size_t count, const std::function<void(size_t)>& task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (threads_.size() < helpers) threads_.emplace_back([this] { Work(); });
      task_ = &task;
      count_ = count;
      next_ = 0;
      wanted_ = helpers;
      joined_ = 0;
      closed_ = false;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    Loop(task, count);
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;  // late wakers do not join a finished job
    done_.wait(lock, [&] { return active_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void Loop(const std::function<void(size_t)>& task, size_t count) {
    InTasks mark;
    try {
      for (size_t i = next_++; i < count; i = next_++) task(i);
    } catch (...) {
      next_ = count;  // hand out no more tasks
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
  }

  void Work() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return generation_ != seen && !closed_ && joined_ < wanted_; });
      seen = generation_;
      ++joined_;
      ++active_;
      const std::function<void(size_t)>* task = task_;
      const size_t count = count_;
      lock.unlock();
      Loop(*task, count);
      lock.lock();
      if (--active_ == 0) done_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, done_;
  std::vector<std::thread> threads_;  // never joined: they live as long as the process
  const std::function<void(size_t)>* task_ = nullptr;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
  size_t wanted_ = 0, joined_ = 0, active_ = 0;
  bool closed_ = true;
  uint64_t generation_ = 0;
  std::exception_ptr error_;
};

// One job at a time: a second caller (another thread) runs its tasks itself.
std::mutex job_mutex;

Pool& TheWorkers() {
  static Pool* pool = new Pool;  // never destroyed, like its threads
  return *pool;
}

}  // namespace

void RunTasks(int threads, size_t count, const std::function<void(size_t)>& task) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers = std::min<size_t>(threads, count);
  std::unique_lock<std::mutex> job(job_mutex, std::defer_lock);
  if (workers <= 1 || in_tasks || !job.try_lock()) {
    InTasks mark;
    for (size_t i = 0; i < count; ++i) task(i);
    return;
  }
  TheWorkers().Run(workers - 1, count, task);
}

}  // namespace agnapprox
