// IDX files (MNIST, Fashion-MNIST), gzip-compressed or raw.
//
// Refused with a message naming the file: a missing file, a bad magic
// number, a header whose sizes disagree with the data (truncated or
// trailing bytes), and a corrupt gzip stream.
//
//   absl::StatusOr<IdxArray> images = ReadIdx(
//       "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
//   // images->dims == {60000, 28, 28}; images->data: 47040000 bytes
#ifndef AGNAPPROX_NETS_DATA_IDX_H_
#define AGNAPPROX_NETS_DATA_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace agnapprox {

// An unsigned-byte IDX array (type 0x08, the only type the MNIST family uses).
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Parses decompressed IDX bytes; `name` prefixes errors.
absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes, const std::string& name);

// Reads `path` (gzip or raw) and parses it.
absl::StatusOr<IdxArray> ReadIdx(const std::string& path);

// Decompresses gzip data (or returns raw data unchanged), refusing more
// than `max_bytes` of output.
absl::StatusOr<std::string> Gunzip(absl::string_view bytes, const std::string& name,
                                   size_t max_bytes);

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_DATA_IDX_H_
