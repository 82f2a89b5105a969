// libFuzzer target: the .npy parser.
#include <cstdint>
#include <string>

#include "io/npy.h"
#include "tests/fuzz/fuzz_input.h"

AGNAPPROX_FUZZ_TARGET(FuzzNpy) {
  absl::StatusOr<agnapprox::NpyArray> a = agnapprox::ParseNpy(
      absl::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  if (a.ok()) {
    int64_t count = 1;
    for (int64_t d : a->shape) count *= d;
    if (count != a->size()) __builtin_trap();  // shape and data must agree
  }
  return 0;
}
