// The .npy format's fixed parts that the reader and the writer share: the
// magic string, the element types by kind and size, the host's byte order.
// Internal to //io:npy.
#ifndef AGNAPPROX_IO_NPY_FORMAT_H_
#define AGNAPPROX_IO_NPY_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "io/npy.h"

namespace agnapprox {
namespace npy_format {

inline constexpr char kMagic[] = "\x93NUMPY";
inline constexpr size_t kMagicSize = 6;

struct TypeInfo {
  NpyType type;
  char kind;  // 'b', 'i', 'u' or 'f'
  int size;   // bytes per element
};

inline constexpr TypeInfo kTypes[] = {
    {NpyType::kBool, 'b', 1},    {NpyType::kInt8, 'i', 1},
    {NpyType::kUInt8, 'u', 1},   {NpyType::kInt16, 'i', 2},
    {NpyType::kUInt16, 'u', 2},  {NpyType::kInt32, 'i', 4},
    {NpyType::kUInt32, 'u', 4},  {NpyType::kInt64, 'i', 8},
    {NpyType::kUInt64, 'u', 8},  {NpyType::kFloat32, 'f', 4},
    {NpyType::kFloat64, 'f', 8},
};

inline const TypeInfo& InfoOf(NpyType type) {
  for (const TypeInfo& info : kTypes) {
    if (info.type == type) return info;
  }
  return kTypes[0];
}

inline bool HostIsLittleEndian() {
  const uint16_t probe = 1;
  unsigned char first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

}  // namespace npy_format
}  // namespace agnapprox

#endif  // AGNAPPROX_IO_NPY_FORMAT_H_
