// How a tool's process uses the heap: freed large buffers kept for reuse,
// and the heap on transparent huge pages. Fresh memory is what a short tool
// pays most for on virtual machines: each first touch of a 4 KiB page is a
// fault of several microseconds (10 us on this project's machines).
//
//   int main(int argc, char** argv) {
//     KeepHeapOnHugePages(/*reserve_mib=*/256);   // first thing
//     ...
#ifndef AGNAPPROX_IO_HEAP_H_
#define AGNAPPROX_IO_HEAP_H_

#include <cstddef>

namespace agnapprox {

// Keeps freed large buffers (tables, operand arrays, tensors) in the heap so
// that the next one reuses their pages instead of faulting in fresh zeroed
// ones; for tools that allocate and free the same large buffers repeatedly.
void KeepFreedMemoryInHeap();

// KeepFreedMemoryInHeap, and the heap reserved `reserve_mib` MiB ahead and
// backed by transparent huge pages where the kernel gives them on request
// (/sys/kernel/mm/transparent_hugepage/enabled: madvise or always): a short
// tool that fills tens of MB of tables then takes a fault per 2 MiB instead
// of one per 4 KiB, which on virtual machines costs several microseconds
// each. All threads allocate from that one heap (one malloc arena), so this
// is for tools whose threads allocate little and seldom (//:match), not for
// LibTorch's. Without huge pages it changes nothing but the arena count.
// Call once, first thing in main, before other threads start.
void KeepHeapOnHugePages(size_t reserve_mib);

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_HEAP_H_
