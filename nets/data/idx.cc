#include "nets/data/idx.h"

#include <zlib.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

// Largest decompressed file accepted: Fashion-MNIST's training images are
// 47 MB; this leaves room for larger IDX sets without trusting a header.
constexpr size_t kMaxIdxBytes = size_t{1} << 30;

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

absl::StatusOr<std::string> Gunzip(absl::string_view bytes, const std::string& name,
                                   size_t max_bytes) {
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x1f ||
      static_cast<unsigned char>(bytes[1]) != 0x8b) {
    return std::string(bytes);
  }
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return absl::InternalError(absl::StrCat(name, ": cannot start gzip decoder"));
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": corrupt gzip data (", rc == Z_BUF_ERROR ? "truncated" : "bad stream",
          ")"));
    }
    out.append(buffer, sizeof buffer - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": decompresses to more than ", max_bytes, " bytes"));
    }
  }
  inflateEnd(&z);
  return out;
}

absl::StatusOr<IdxArray> ParseIdx(absl::string_view bytes, const std::string& name) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4 || p[0] != 0 || p[1] != 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not an IDX file (bad magic)"));
  }
  if (p[2] != 0x08) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": IDX element type 0x", absl::Hex(p[2]), " is not unsigned bytes (0x08)"));
  }
  const int rank = p[3];
  if (rank < 1 || rank > 4) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": IDX rank ", rank, " unsupported"));
  }
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": truncated IDX header"));
  }
  IdxArray a;
  uint64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    const uint32_t dim = BigEndian32(p + 4 + 4 * d);
    a.dims.push_back(dim);
    count *= dim;
    if (count > kMaxIdxBytes) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": IDX dimensions too large"));
    }
  }
  if (bytes.size() - header != count) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": IDX header promises ", count, " bytes of data but the file has ",
        bytes.size() - header, bytes.size() - header < count ? " (truncated)" : ""));
  }
  a.data.assign(p + header, p + header + count);
  return a;
}

absl::StatusOr<IdxArray> ReadIdx(const std::string& path) {
  absl::StatusOr<std::string> raw = ReadFile(path);
  if (!raw.ok()) return raw.status();
  absl::StatusOr<std::string> bytes = Gunzip(*raw, path, kMaxIdxBytes);
  if (!bytes.ok()) return bytes.status();
  return ParseIdx(*bytes, path);
}

}  // namespace agnapprox
