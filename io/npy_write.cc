// EncodeNpy and WriteNpy: .npy version 1.0, the data 64-byte aligned.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "io/file_io.h"
#include "io/npy.h"
#include "io/npy_format.h"

namespace agnapprox {
namespace {

using npy_format::TypeInfo;

void EncodeElement(const TypeInfo& info, double value, bool swap, char* out) {
  unsigned char buf[8];
  switch (info.type) {
    case NpyType::kBool:
      buf[0] = value != 0;
      break;
#define AGNAPPROX_ENCODE(kType, CType)      \
  case NpyType::kType: {                    \
    CType v = static_cast<CType>(value);    \
    std::memcpy(buf, &v, sizeof(v));        \
    break;                                  \
  }
      AGNAPPROX_ENCODE(kInt8, int8_t)
      AGNAPPROX_ENCODE(kUInt8, uint8_t)
      AGNAPPROX_ENCODE(kInt16, int16_t)
      AGNAPPROX_ENCODE(kUInt16, uint16_t)
      AGNAPPROX_ENCODE(kInt32, int32_t)
      AGNAPPROX_ENCODE(kUInt32, uint32_t)
      AGNAPPROX_ENCODE(kInt64, int64_t)
      AGNAPPROX_ENCODE(kUInt64, uint64_t)
      AGNAPPROX_ENCODE(kFloat32, float)
      AGNAPPROX_ENCODE(kFloat64, double)
#undef AGNAPPROX_ENCODE
  }
  if (swap) {
    for (int i = 0; i < info.size / 2; ++i) {
      std::swap(buf[i], buf[info.size - 1 - i]);
    }
  }
  std::memcpy(out, buf, info.size);
}

}  // namespace

std::string EncodeNpy(NpyType type, const std::vector<int64_t>& shape,
                      const std::vector<double>& values,
                      const NpyEncodeOptions& options) {
  const TypeInfo& info = npy_format::InfoOf(type);
  const char order =
      info.size == 1 ? '|' : (options.big_endian ? '>' : '<');
  std::string shape_text;
  for (int64_t dim : shape) absl::StrAppend(&shape_text, dim, ", ");
  if (shape.size() > 1) shape_text.resize(shape_text.size() - 2);
  if (shape.size() == 1) shape_text.resize(shape_text.size() - 1);
  std::string header =
      absl::StrCat("{'descr': '", std::string(1, order),
                   std::string(1, info.kind), info.size,
                   "', 'fortran_order': ",
                   options.fortran_order ? "True" : "False", ", 'shape': (",
                   shape_text, "), }");
  // Pad so that the data starts at a multiple of 64 bytes, ending with '\n'.
  const size_t unpadded = npy_format::kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');

  std::string out(npy_format::kMagic, npy_format::kMagicSize);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  const size_t data_offset = out.size();
  out.resize(data_offset + values.size() * info.size);
  const bool swap =
      info.size > 1 && options.big_endian == npy_format::HostIsLittleEndian();
  const size_t rank = shape.size();
  for (size_t i = 0; i < values.size(); ++i) {
    size_t dest = i;
    if (options.fortran_order && rank >= 2) {
      // C-order index i -> multi-index -> Fortran-order position.
      size_t rest = i;
      size_t f_stride = 1;
      std::vector<size_t> index(rank);
      for (size_t d = rank; d-- > 0;) {
        index[d] = rest % shape[d];
        rest /= shape[d];
      }
      dest = 0;
      for (size_t d = 0; d < rank; ++d) {
        dest += index[d] * f_stride;
        f_stride *= shape[d];
      }
    }
    EncodeElement(info, values[i], swap, &out[data_offset + dest * info.size]);
  }
  return out;
}

absl::Status WriteNpy(const std::string& path, NpyType type,
                      const std::vector<int64_t>& shape,
                      const std::vector<double>& values) {
  return WriteFileAtomically(path, EncodeNpy(type, shape, values));
}

}  // namespace agnapprox
