#include "nets/onnx/onnx_tensor.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace agnapprox {
namespace {

// Largest tensor accepted (elements): far above any weight a network this
// tool studies has, and small enough that a corrupt header cannot make it
// allocate gigabytes.
constexpr int64_t kMaxElements = int64_t{1} << 28;

template <typename T, typename Field>
absl::StatusOr<std::vector<T>> Values(const onnx::TensorProto& t, const Field& typed, int64_t n,
                                      const std::string& what) {
  std::vector<T> out(n);
  if (t.has_raw_data()) {
    if (t.raw_data().size() != static_cast<size_t>(n) * sizeof(T)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": raw_data has ", t.raw_data().size(),
                                                     " bytes, the shape needs ", n * sizeof(T)));
    }
    if (n > 0) std::memcpy(out.data(), t.raw_data().data(), n * sizeof(T));
    return out;
  }
  if (typed.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", typed.size(), " values for a shape of ", n, " elements"));
  }
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(typed.Get(i));
  return out;
}

template <typename T>
torch::Tensor ToTensor(const std::vector<T>& v, const std::vector<int64_t>& dims,
                       torch::ScalarType from, torch::ScalarType to) {
  return torch::from_blob(const_cast<T*>(v.data()), dims, from).to(to).clone();
}

}  // namespace

absl::StatusOr<torch::Tensor> TensorFromProto(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data is not supported"));
  }
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > kMaxElements / d)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": bad shape [", absl::StrJoin(dims, ", "), "]"));
    }
    n *= d;
  }
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: {
      auto v = Values<float>(t, t.float_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kFloat, torch::kFloat);
    }
    case onnx::TensorProto::DOUBLE: {
      auto v = Values<double>(t, t.double_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kDouble, torch::kFloat);
    }
    case onnx::TensorProto::INT64: {
      auto v = Values<int64_t>(t, t.int64_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kLong, torch::kLong);
    }
    case onnx::TensorProto::INT32: {
      auto v = Values<int32_t>(t, t.int32_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kInt, torch::kLong);
    }
    // The small integer types and booleans keep their values in int32_data
    // (or raw bytes of their own width).
    case onnx::TensorProto::INT8: {
      auto v = Values<int8_t>(t, t.int32_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kChar, torch::kLong);
    }
    case onnx::TensorProto::UINT8: {
      auto v = Values<uint8_t>(t, t.int32_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kByte, torch::kLong);
    }
    case onnx::TensorProto::INT16: {
      auto v = Values<int16_t>(t, t.int32_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kShort, torch::kLong);
    }
    case onnx::TensorProto::BOOL: {
      auto v = Values<uint8_t>(t, t.int32_data(), n, what);
      if (!v.ok()) return v.status();
      return ToTensor(*v, dims, torch::kByte, torch::kBool);
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": data type ", onnx::TensorProto::DataType_Name(
                                    static_cast<onnx::TensorProto::DataType>(t.data_type())),
          " is not supported (FLOAT, DOUBLE, INT8, UINT8, INT16, INT32, INT64, BOOL are)"));
  }
}

}  // namespace agnapprox
