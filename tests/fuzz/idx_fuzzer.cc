// libFuzzer target: gzip decoding and the IDX parser.
#include <cstdint>

#include "nets/data/idx.h"
#include "tests/fuzz/fuzz_input.h"

AGNAPPROX_FUZZ_TARGET(FuzzIdx) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> raw = agnapprox::Gunzip(bytes, "fuzz.idx.gz", 1 << 24);
  if (!raw.ok()) return 0;
  absl::StatusOr<agnapprox::IdxArray> a = agnapprox::ParseIdx(*raw, "fuzz.idx");
  if (a.ok()) {
    size_t count = 1;
    for (int64_t d : a->dims) count *= d;
    if (count != a->data.size()) __builtin_trap();
  }
  return 0;
}
