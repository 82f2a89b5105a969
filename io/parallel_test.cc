#include "io/parallel.h"

#include <atomic>
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

}  // namespace
}  // namespace agnapprox
