// ReadNpy and ParseNpy: .npy files (version 1 to 3) of any element type,
// C or Fortran order, either byte order, mapped rather than read.
#include "io/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "io/file_io.h"
#include "io/npy_format.h"

namespace agnapprox {
namespace {

using npy_format::HostIsLittleEndian;
using npy_format::InfoOf;
using npy_format::kMagic;
using npy_format::kMagicSize;
using npy_format::kTypes;
using npy_format::TypeInfo;

template <typename T>
void DecodeRun(const char* data, uint64_t count, bool swap, double* out) {
  if (!swap) {  // the common case, a loop the compiler vectorises
    for (uint64_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, data + i * sizeof(T), sizeof(T));
      out[i] = static_cast<double>(v);
    }
    return;
  }
  for (uint64_t i = 0; i < count; ++i) {
    unsigned char buf[sizeof(T)];
    std::memcpy(buf, data + i * sizeof(T), sizeof(T));
    if (swap) {
      for (size_t b = 0; b < sizeof(T) / 2; ++b) std::swap(buf[b], buf[sizeof(T) - 1 - b]);
    }
    T v;
    std::memcpy(&v, buf, sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

// Decodes `count` consecutive elements; one type dispatch per call, not per
// element.
void DecodeAll(const TypeInfo& info, const char* data, uint64_t count,
               bool swap, double* out) {
  switch (info.type) {
    case NpyType::kBool:
      for (uint64_t i = 0; i < count; ++i) out[i] = data[i] != 0 ? 1.0 : 0.0;
      return;
    case NpyType::kInt8: return DecodeRun<int8_t>(data, count, swap, out);
    case NpyType::kUInt8: return DecodeRun<uint8_t>(data, count, swap, out);
    case NpyType::kInt16: return DecodeRun<int16_t>(data, count, swap, out);
    case NpyType::kUInt16: return DecodeRun<uint16_t>(data, count, swap, out);
    case NpyType::kInt32: return DecodeRun<int32_t>(data, count, swap, out);
    case NpyType::kUInt32: return DecodeRun<uint32_t>(data, count, swap, out);
    case NpyType::kInt64: return DecodeRun<int64_t>(data, count, swap, out);
    case NpyType::kUInt64: return DecodeRun<uint64_t>(data, count, swap, out);
    case NpyType::kFloat32: return DecodeRun<float>(data, count, swap, out);
    case NpyType::kFloat64: return DecodeRun<double>(data, count, swap, out);
  }
}

// The header is a Python dict literal such as
//   {'descr': '<i4', 'fortran_order': False, 'shape': (256, 256), }
// Returns the text of the value for `key`, up to the next top-level comma.
absl::StatusOr<std::string> DictValue(absl::string_view header,
                                      absl::string_view key,
                                      const std::string& name) {
  for (const char quote : {'\'', '"'}) {
    const std::string needle = absl::StrCat(std::string(1, quote), key,
                                            std::string(1, quote));
    size_t pos = header.find(needle);
    if (pos == absl::string_view::npos) continue;
    pos = header.find(':', pos + needle.size());
    if (pos == absl::string_view::npos) break;
    size_t end = pos + 1;
    int depth = 0;
    bool in_string = false;
    char string_quote = 0;
    for (; end < header.size(); ++end) {
      const char c = header[end];
      if (in_string) {
        if (c == string_quote) in_string = false;
        continue;
      }
      if (c == '\'' || c == '"') {
        in_string = true;
        string_quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    return std::string(
        absl::StripAsciiWhitespace(header.substr(pos + 1, end - pos - 1)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": bad .npy header: no '", key, "' entry"));
}

absl::StatusOr<TypeInfo> ParseDescr(absl::string_view text,
                                    const std::string& name, bool* swap) {
  if (text.size() < 2 || (text.front() != '\'' && text.front() != '"') ||
      text.back() != text.front()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": unsupported dtype ", text,
        " (structured arrays are not supported)"));
  }
  absl::string_view descr = text.substr(1, text.size() - 2);
  if (descr.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": bad dtype '", descr, "'"));
  }
  const char order = descr[0];
  const char kind = descr[1];
  if (kind == 'O') {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": object arrays (pickled data) are not supported"));
  }
  int size = 0;
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": bad dtype '", descr, "'"));
  }
  if (!absl::SimpleAtoi(descr.substr(2), &size)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": unsupported dtype '", descr, "'"));
  }
  for (const TypeInfo& info : kTypes) {
    if (info.kind == kind && info.size == size) {
      const bool file_little =
          order == '<' || ((order == '|' || order == '=') &&
                           HostIsLittleEndian());
      *swap = size > 1 && file_little != HostIsLittleEndian();
      return info;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      name, ": unsupported dtype '", descr,
      "' (integer, bool, float32 or float64 expected)"));
}

absl::StatusOr<std::vector<int64_t>> ParseShape(absl::string_view text,
                                                const std::string& name) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": bad .npy header: shape ", text));
  }
  std::vector<int64_t> shape;
  for (absl::string_view part :
       absl::StrSplit(text.substr(1, text.size() - 2), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    int64_t dim;
    if (!absl::SimpleAtoi(part, &dim) || dim < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": bad .npy header: shape ", text));
    }
    shape.push_back(dim);
  }
  return shape;
}

// A checked header: what the data bytes after it hold.
struct Header {
  TypeInfo info;
  bool swap = false;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  uint64_t count = 0;
  const char* data = nullptr;  // the first element
};

absl::StatusOr<Header> ParseHeader(absl::string_view bytes, const std::string& name) {
  if (bytes.size() < kMagicSize + 2 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not an .npy file (bad magic)"));
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0;
  size_t offset = 0;
  if (major == 1) {
    if (bytes.size() < 10) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": truncated .npy header"));
    }
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<size_t>(static_cast<unsigned char>(bytes[9]))
                  << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": truncated .npy header"));
    }
    for (int i = 3; i >= 0; --i) {
      header_len = (header_len << 8) |
                   static_cast<unsigned char>(bytes[8 + i]);
    }
    offset = 12;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": unsupported .npy version ", major));
  }
  if (header_len > bytes.size() - offset) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": truncated .npy header"));
  }
  const absl::string_view header = bytes.substr(offset, header_len);
  offset += header_len;
  if (header.find('{') == absl::string_view::npos ||
      header.find('}') == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": bad .npy header (not a dict)"));
  }

  absl::StatusOr<std::string> descr = DictValue(header, "descr", name);
  if (!descr.ok()) return descr.status();
  absl::StatusOr<std::string> fortran = DictValue(header, "fortran_order", name);
  if (!fortran.ok()) return fortran.status();
  absl::StatusOr<std::string> shape_text = DictValue(header, "shape", name);
  if (!shape_text.ok()) return shape_text.status();

  bool swap = false;
  absl::StatusOr<TypeInfo> info = ParseDescr(*descr, name, &swap);
  if (!info.ok()) return info.status();
  if (*fortran != "True" && *fortran != "False") {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": bad .npy header: fortran_order is ", *fortran));
  }
  const bool fortran_order = *fortran == "True";
  absl::StatusOr<std::vector<int64_t>> shape = ParseShape(*shape_text, name);
  if (!shape.ok()) return shape.status();

  // The element count must match the bytes present; checked with overflow
  // guards before any allocation.
  const uint64_t available = bytes.size() - offset;
  uint64_t count = 1;
  for (int64_t dim : *shape) {
    if (dim != 0 && count > available / static_cast<uint64_t>(dim) + 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": truncated: shape (", absl::StrJoin(*shape, ", "),
          ") needs more data than the ", available, " bytes present"));
    }
    count *= static_cast<uint64_t>(dim);
  }
  if (count > std::numeric_limits<uint64_t>::max() / 8 ||
      count * info->size > available) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": truncated: shape (", absl::StrJoin(*shape, ", "),
        ") needs ", count, " elements but only ", available,
        " data bytes are present"));
  }
  if (count * info->size != available) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": size mismatch: shape (", absl::StrJoin(*shape, ", "),
        ") holds ", count * info->size, " data bytes but the file has ",
        available));
  }
  return Header{*info, swap, fortran_order, *shape, count, bytes.data() + offset};
}

// Every element of `h` as a double, in C order.
NpyArray DecodeWhole(const Header& h) {
  NpyArray array;
  array.type = h.info.type;
  array.shape = h.shape;
  array.values.resize(h.count);
  if (!h.fortran_order || h.shape.size() < 2) {
    DecodeAll(h.info, h.data, h.count, h.swap, array.values.data());
    return array;
  }
  // Fortran order: the first index varies fastest in the file. Decode in
  // file order, then walk it while keeping the C-order destination index.
  std::vector<double> file_order(h.count);
  DecodeAll(h.info, h.data, h.count, h.swap, file_order.data());
  const size_t rank = h.shape.size();
  std::vector<int64_t> index(rank, 0);
  std::vector<uint64_t> c_stride(rank, 1);
  for (size_t d = rank - 1; d > 0; --d) c_stride[d - 1] = c_stride[d] * h.shape[d];
  for (uint64_t i = 0; i < h.count; ++i) {
    uint64_t dest = 0;
    for (size_t d = 0; d < rank; ++d) dest += index[d] * c_stride[d];
    array.values[dest] = file_order[i];
    for (size_t d = 0; d < rank; ++d) {
      if (++index[d] < h.shape[d]) break;
      index[d] = 0;
    }
  }
  return array;
}

// `path`'s bytes, mapped rather than copied (the pages come from the page
// cache without a zero-filled buffer and a copy), given to `use`.
template <typename Result, typename Use>
Result WithMappedFile(const std::string& path, Use use) {
  absl::StatusOr<long long> size = RegularFileSize(path);
  if (!size.ok()) return size.status();
  if (*size == 0) return use(absl::string_view());
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  void* data = mmap(nullptr, *size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (data == MAP_FAILED) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot map: ", std::strerror(errno)));
  }
  Result result = use(absl::string_view(static_cast<const char*>(data), *size));
  munmap(data, *size);
  return result;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const MappedNpy>> MappedNpy::Open(const std::string& path) {
  absl::StatusOr<long long> size = RegularFileSize(path);
  if (!size.ok()) return size.status();
  if (*size == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  void* data = mmap(nullptr, *size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (data == MAP_FAILED) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot map: ", std::strerror(errno)));
  }
  std::shared_ptr<MappedNpy> m(new MappedNpy());
  m->path_ = path;
  m->map_ = data;
  m->map_size_ = static_cast<size_t>(*size);
  absl::StatusOr<Header> h =
      ParseHeader(absl::string_view(static_cast<const char*>(data), m->map_size_), path);
  if (!h.ok()) return h.status();
  m->type_ = h->info.type;
  m->shape_ = h->shape;
  m->fortran_order_ = h->fortran_order;
  m->swap_ = h->swap;
  m->data_ = h->data;
  return std::shared_ptr<const MappedNpy>(std::move(m));
}

MappedNpy::~MappedNpy() {
  if (map_ != nullptr) munmap(map_, map_size_);
}

bool IsIntegerType(NpyType type) {
  return type != NpyType::kFloat32 && type != NpyType::kFloat64;
}

absl::StatusOr<NpyArray> ParseNpy(absl::string_view bytes,
                                  const std::string& name) {
  absl::StatusOr<Header> h = ParseHeader(bytes, name);
  if (!h.ok()) return h.status();
  return DecodeWhole(*h);
}

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  return WithMappedFile<absl::StatusOr<NpyArray>>(
      path, [&](absl::string_view bytes) { return ParseNpy(bytes, path); });
}

absl::Status ReadNpyRuns(const std::string& path, const NpyHeaderCheck& check,
                         const NpyRunSink& take) {
  return WithMappedFile<absl::Status>(path, [&](absl::string_view bytes) -> absl::Status {
    absl::StatusOr<Header> h = ParseHeader(bytes, path);
    if (!h.ok()) return h.status();
    NpyArray header;
    header.type = h->info.type;
    header.shape = h->shape;
    if (absl::Status s = check(header); !s.ok()) return s;
    if (h->fortran_order && h->shape.size() >= 2) {
      const NpyArray whole = DecodeWhole(*h);
      return take(0, whole.values);
    }
    double run[kNpyRun];
    for (uint64_t first = 0; first < h->count; first += kNpyRun) {
      const uint64_t n = std::min<uint64_t>(kNpyRun, h->count - first);
      DecodeAll(h->info, h->data + first * h->info.size, n, h->swap, run);
      if (absl::Status s = take(static_cast<int64_t>(first), absl::MakeConstSpan(run, n));
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace agnapprox
