#include "nets/cpu_runtime.h"

#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>

#include <algorithm>
#include <thread>

namespace agnapprox {

void ConfigureCpu(int threads) {
  torch::set_num_threads(
      threads > 0 ? threads
                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  // Looked up rather than linked: another BLAS (reference, BLIS) has no such
  // function and needs nothing.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(1);
  }
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace agnapprox
