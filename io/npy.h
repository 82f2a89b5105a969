// Reading and writing NumPy `.npy` arrays.
//
// Supported: format versions 1-3, dtypes bool, int8/16/32/64, uint8/16/32/64,
// float32/64, either byte order, C or Fortran order. Refused with a clear
// status: object (pickled) arrays, structured dtypes, bad magic or header,
// truncated data, trailing bytes, and shapes whose size does not match the
// data. A header that claims a huge shape is refused before anything is
// allocated, because the data size must equal the bytes actually present.
//
//   absl::StatusOr<NpyArray> a = ReadNpy("conv1.weights.npy");
//   if (!a.ok()) return a.status();   // "conv1.weights.npy: truncated: ..."
//   int64_t rows = a->shape[0];
//   double first = a->values[0];      // C (row-major) order, always
#ifndef AGNAPPROX_IO_NPY_H_
#define AGNAPPROX_IO_NPY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "absl/strings/string_view.h"

namespace agnapprox {

enum class NpyType {
  kBool,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kFloat32,
  kFloat64,
};

// True for the integer and bool types.
bool IsIntegerType(NpyType type);

struct NpyArray {
  NpyType type = NpyType::kFloat64;
  std::vector<int64_t> shape;
  // Every element converted to double, in C (row-major) order whatever the
  // file's order. Integers up to 2^53 are exact; larger ones are beyond any
  // range this project accepts and are refused by the range checks.
  std::vector<double> values;

  int64_t size() const { return static_cast<int64_t>(values.size()); }
};

// Parses the bytes of an `.npy` file. `name` prefixes every error message.
absl::StatusOr<NpyArray> ParseNpy(absl::string_view bytes,
                                  const std::string& name);

// Reads and parses `path`; errors name `path`.
absl::StatusOr<NpyArray> ReadNpy(const std::string& path);

// A memory-mapped .npy file: its header, and its elements in place (pages
// are read only as they are used), for data sets larger than memory.
class MappedNpy {
 public:
  // Errors name `path`: a missing or unreadable file, a bad header.
  static absl::StatusOr<std::shared_ptr<const MappedNpy>> Open(const std::string& path);
  ~MappedNpy();
  MappedNpy(const MappedNpy&) = delete;
  MappedNpy& operator=(const MappedNpy&) = delete;

  const std::string& path() const { return path_; }
  NpyType type() const { return type_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  bool fortran_order() const { return fortran_order_; }
  // Whether the elements are in the other byte order than the host's.
  bool byte_swapped() const { return swap_; }
  // The first element; shape's product elements follow.
  const char* data() const { return data_; }

 private:
  MappedNpy() = default;
  std::string path_;
  NpyType type_ = NpyType::kUInt8;
  std::vector<int64_t> shape_;
  bool fortran_order_ = false, swap_ = false;
  const char* data_ = nullptr;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// Reading in runs, for a caller that keeps a narrower copy of the values
// (a catalog's int32 table) and should not hold a double per element too.
// ReadNpyRuns checks `path` and its header as ReadNpy does, gives `check`
// the type and shape (values empty), and if that returns OK hands every
// value to `take` in C order, at most kNpyRun at a time, with the index of
// the first. A Fortran-order array is decoded whole first. Returns the first
// error of the file, `check` or `take`.
inline constexpr int64_t kNpyRun = 4096;
using NpyHeaderCheck = std::function<absl::Status(const NpyArray& header)>;
using NpyRunSink = std::function<absl::Status(int64_t first, absl::Span<const double> values)>;
absl::Status ReadNpyRuns(const std::string& path, const NpyHeaderCheck& check,
                         const NpyRunSink& take);

struct NpyEncodeOptions {
  bool big_endian = false;
  bool fortran_order = false;
};

// Encodes `values` (C order, length = product of `shape`) as an `.npy` file
// of dtype `type`. Values are converted with a plain cast; the caller keeps
// them inside the type's range.
std::string EncodeNpy(NpyType type, const std::vector<int64_t>& shape,
                      const std::vector<double>& values,
                      const NpyEncodeOptions& options = {});

// EncodeNpy, then WriteFileAtomically.
absl::Status WriteNpy(const std::string& path, NpyType type,
                      const std::vector<int64_t>& shape,
                      const std::vector<double>& values);

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_NPY_H_
