#include "io/parallel.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

TEST(RunTasks, EveryTaskOnceForAnyThreadCount) {
  for (int threads : {0, 1, 2, 7}) {
    std::vector<std::atomic<int>> runs(1000);
    RunTasks(threads, runs.size(), [&](size_t i) { ++runs[i]; });
    for (const auto& r : runs) ASSERT_EQ(r.load(), 1) << threads;
  }
}

TEST(RunTasks, AThrowingTaskReachesTheCallerNotTerminate) {
  for (int threads : {1, 2}) {
    std::atomic<int> ran{0};
    EXPECT_THROW(RunTasks(threads, 100,
                          [&](size_t i) {
                            ++ran;
                            if (i == 3) throw std::runtime_error("task 3");
                          }),
                 std::runtime_error)
        << threads;
    EXPECT_GE(ran.load(), 4);
  }
}

TEST(RunTasks, WorkersPersistAcrossCalls) {
  // Thread ids seen over many calls: the pool's, not new ones per call.
  std::mutex mu;
  std::set<std::thread::id> ids;
  for (int call = 0; call < 200; ++call) {
    RunTasks(2, 64, [&](size_t) {
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    });
  }
  // The caller and the pool's workers (grown to 6 by the 7-thread calls of
  // an earlier test at most); a thread per call would show ~200 ids.
  EXPECT_LE(ids.size(), 8u);
}

TEST(RunTasks, NestedAndConcurrentCallsComplete) {
  std::atomic<int> total{0};
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) RunTasks(2, 10, [&](size_t) { ++total; });
  });
  for (int i = 0; i < 50; ++i) {
    RunTasks(2, 10, [&](size_t) { RunTasks(2, 3, [&](size_t) { ++total; }); });
  }
  other.join();
  EXPECT_EQ(total.load(), 50 * 10 + 50 * 10 * 3);
}

}  // namespace
}  // namespace agnapprox
