// Runs independent tasks on a few threads. Which thread runs a task never
// changes its result, so callers that split work into fixed tasks get the
// same bytes for any thread count.
//
// The threads are one persistent pool per process (created on first use,
// grown to the largest count asked for, never more): no thread is started
// per call, workers sleep between jobs instead of spinning, and tasks are
// handed out one at a time, so a descheduled worker holds up at most one.
// The caller works too. A RunTasks inside a task, or on a second thread
// while the pool is busy, runs its tasks serially on its own thread.
#ifndef AGNAPPROX_IO_PARALLEL_H_
#define AGNAPPROX_IO_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace agnapprox {

// Calls task(i) for i in [0, count) on `threads` threads (0 = one per core).
// A task that throws stops the hand-out of further tasks; once every thread
// has finished, the first exception is rethrown here, on the caller's
// thread (never std::terminate).
void RunTasks(int threads, size_t count, const std::function<void(size_t)>& task);

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_PARALLEL_H_
