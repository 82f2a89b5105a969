// An exclusive, advisory lock on a folder for as long as a run uses it: the
// file FOLDER/.lock holds the owner's pid and an flock(2) lock, which the
// kernel releases when the process ends however it ends (so a killed run
// never leaves the folder locked).
//
//   absl::StatusOr<FolderLock> lock = FolderLock::Acquire("agnapprox_out");
//   if (!lock.ok()) ...  // "agnapprox_out: in use by another run (pid 4242)"
#ifndef AGNAPPROX_IO_FOLDER_LOCK_H_
#define AGNAPPROX_IO_FOLDER_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace agnapprox {

class FolderLock {
 public:
  // Locks `folder` (which must exist) without waiting. Errors:
  // FailedPrecondition naming the folder and the pid that holds it;
  // InvalidArgument when the lock file cannot be opened.
  static absl::StatusOr<FolderLock> Acquire(const std::string& folder);

  FolderLock(FolderLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FolderLock& operator=(FolderLock&& other) noexcept;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock();  // releases the lock

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_FOLDER_LOCK_H_
