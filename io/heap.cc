#include "io/heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace agnapprox {

void KeepFreedMemoryInHeap() {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

void KeepHeapOnHugePages(size_t reserve_mib) {
  KeepFreedMemoryInHeap();
  constexpr uintptr_t kHugePage = 2 << 20;
  constexpr size_t kProbe = 256 << 10;
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TOP_PAD, static_cast<int>(reserve_mib << 20));
  // Grow the heap now (the pad comes on top of the probe) and see where its
  // free end begins. malloc writes a chunk header just past the probe, so
  // the huge pages start at the first 2 MiB boundary after that: a block
  // with a small page in it stays small.
  void* probe = malloc(kProbe);
  if (probe == nullptr) return;
  const uintptr_t start = reinterpret_cast<uintptr_t>(probe);
  const uintptr_t aligned = (start + kProbe + 64 + kHugePage - 1) & ~(kHugePage - 1);
  free(probe);
  // An allocation that is never touched nor freed fills the heap up to
  // there, so that what comes next starts on huge pages.
  static void* filler = malloc(aligned - start - 64);
  const uintptr_t end = reinterpret_cast<uintptr_t>(sbrk(0));
  if (filler != nullptr && aligned < end) {
    madvise(reinterpret_cast<void*>(aligned), end - aligned, MADV_HUGEPAGE);
  }
}

}  // namespace agnapprox
