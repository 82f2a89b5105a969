// The CPU runtime LibTorch's operations run on, set up in one place: the
// thread count, the BLAS threads, the allocator.
//
// - OpenBLAS (Debian's LibTorch runs its linear layers' sgemm on it) is kept
//   to the calling thread: its own workers spin in sched_yield for a while
//   after every call and take a core from the OpenMP threads that run
//   everything else. On 2 cores (//bench:train_bench) a LeNet5 QAT training
//   step of 128 images took 16.8 ms with OpenBLAS threaded, 7.1 ms without.
// - glibc's malloc keeps freed blocks up to 1 GiB and maps nothing below
//   256 MiB on its own: a training step frees and reallocates the same
//   tensors every time, and with the default thresholds each one came back
//   as fresh pages (a page fault and a zeroed page per 4 KiB). ResNet8's
//   QAT training step went from 80 to 63-70 ms, and steps stopped jumping
//   between two speeds from run to run.
#ifndef AGNAPPROX_NETS_CPU_RUNTIME_H_
#define AGNAPPROX_NETS_CPU_RUNTIME_H_

namespace agnapprox {

// threads <= 0: one per core. Call before the first LibTorch operation.
void ConfigureCpu(int threads);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_CPU_RUNTIME_H_
