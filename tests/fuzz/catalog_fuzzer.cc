// libFuzzer target: catalog loading, text format plus the tables it names.
// Input: catalog text, then "--8<--", then bytes for t.npy, then bytes for
// t.raw.
#include <cstdint>

#include "multipliers/catalog_file.h"
#include "tests/fuzz/fuzz_input.h"

AGNAPPROX_FUZZ_TARGET(FuzzCatalog) {
  using namespace agnapprox;
  const std::vector<std::string> parts = SplitParts(data, size, 3);
  WriteScratch("t.npy", parts[1]);
  WriteScratch("t.raw", parts[2]);
  absl::StatusOr<Catalog> c = ParseCatalog(parts[0], ScratchDir() + "/catalog.txtpb");
  if (c.ok()) {
    for (const Multiplier& m : c->multipliers) {
      if (!ValidateMultiplier(m).ok()) __builtin_trap();
    }
  }
  return 0;
}
