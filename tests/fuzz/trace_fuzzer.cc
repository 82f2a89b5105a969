// libFuzzer target: layer trace loading. Input: trace text, "--8<--",
// bytes for f.npy, "--8<--", bytes for w.npy.
#include <cstdint>

#include "matching/layer_trace.h"
#include "tests/fuzz/fuzz_input.h"

AGNAPPROX_FUZZ_TARGET(FuzzTrace) {
  using namespace agnapprox;
  const std::vector<std::string> parts = SplitParts(data, size, 3);
  WriteScratch("f.npy", parts[1]);
  WriteScratch("w.npy", parts[2]);
  WriteScratch("t.txtpb", parts[0]);
  absl::StatusOr<std::vector<LayerTrace>> t = LoadLayerTraces(ScratchDir() + "/t.txtpb");
  if (t.ok()) {
    for (const LayerTrace& l : *t) {
      if (l.fan_in <= 0 || l.features.size() % l.fan_in != 0 ||
          l.weights.size() % l.fan_in != 0 || l.opcount <= 0) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
