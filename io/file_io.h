// Whole-file reads and atomic writes.
//
// Output files are never left half-written: WriteFileAtomically writes a
// temporary file beside the target and renames it over the target.
#ifndef AGNAPPROX_IO_FILE_IO_H_
#define AGNAPPROX_IO_FILE_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace agnapprox {

// Returns the bytes of `path`. Fails with NotFound for a missing file and
// InvalidArgument for a directory or an unreadable file; the message names
// `path`.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Returns the size in bytes of the regular file `path`, with the same errors
// as ReadFile.
absl::StatusOr<long long> RegularFileSize(const std::string& path);

// Whether something (a file or a folder) exists at `path`.
bool PathExists(const std::string& path);

// Writes `contents` to `path` through a temporary file and a rename, so that
// readers see either the old file or the whole new one.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents);

// `path` resolved against `base_dir` unless it is absolute or base_dir is
// empty.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// The directory part of `path` ("" for a bare file name).
std::string DirName(const std::string& path);

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_FILE_IO_H_
