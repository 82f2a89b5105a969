// ONNX TensorProto <-> torch::Tensor, for initializers, Constant nodes and
// the TensorProto files of ONNX test data.
#ifndef AGNAPPROX_NETS_ONNX_ONNX_TENSOR_H_
#define AGNAPPROX_NETS_ONNX_ONNX_TENSOR_H_

#include <torch/torch.h>

#include <string>

#include "absl/status/statusor.h"
#include "nets/onnx/onnx.pb.h"

namespace agnapprox {

// FLOAT and DOUBLE become kFloat, INT32 and INT64 kLong; data in raw_data
// or the typed fields. Errors name `what` (e.g. "initializer 'fc.weight'"):
// other types, external data, a value count that disagrees with the dims.
absl::StatusOr<torch::Tensor> TensorFromProto(const onnx::TensorProto& t, const std::string& what);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_ONNX_ONNX_TENSOR_H_
