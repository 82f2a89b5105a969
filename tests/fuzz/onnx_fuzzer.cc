// libFuzzer target: the ONNX importer (protobuf parse, graph checks, constant
// folding) and, for models that import, the shape check's forward pass on a
// Fashion-MNIST-sized batch. Every outcome must be a value or a Status.
#include <cstdint>
#include <string_view>

#include "nets/onnx/onnx_net.h"
#include "tests/fuzz/fuzz_input.h"

AGNAPPROX_FUZZ_TARGET(FuzzOnnx) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::shared_ptr<agnapprox::OnnxNetImpl>> net =
      agnapprox::ImportOnnxBytes(bytes, "fuzz.onnx");
  if (!net.ok()) return 0;
  // Its memory is bounded by the file's weights and the importer's limit on
  // pads.
  absl::Status fits = (*net)->CheckData({1, 28, 28}, 10, "fuzz");
  (void)fits;
  return 0;
}
