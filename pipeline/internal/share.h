// Protocol buffers between the ranks of a data-parallel run, through
// DataParallel's store (nets/training/distributed.h): the pipeline's state after each
// step and the lambda sweep's start and results.
#ifndef AGNAPPROX_PIPELINE_INTERNAL_SHARE_H_
#define AGNAPPROX_PIPELINE_INTERNAL_SHARE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "nets/training/distributed.h"

namespace agnapprox {

// `bytes` (or their error) parsed into `message`; `what` names it.
template <typename Message>
absl::Status ParseShared(const DataParallel& dp, const absl::StatusOr<std::string>& bytes,
                         const std::string& what, Message* message) {
  if (!bytes.ok()) return bytes.status();
  if (!message->ParseFromString(*bytes)) {
    return absl::InternalError(absl::StrCat("rank ", dp.rank(), ": ", what, " does not parse"));
  }
  return absl::OkStatus();
}

// Rank 0's `message` under `key`, or `status` when that is an error: rank 0
// keeps its message (and returns its error), the other ranks get rank 0's
// message in `message`, or its error (DataParallel::ShareFromRankZero).
template <typename Message>
absl::Status ShareFromRankZero(DataParallel& dp, const std::string& key,
                               const absl::Status& status, const std::string& what,
                               Message* message) {
  absl::StatusOr<std::string> shared = dp.ShareFromRankZero(
      key, status.ok() ? absl::StatusOr<std::string>(message->SerializeAsString())
                       : absl::StatusOr<std::string>(status));
  if (!shared.ok() || dp.rank() == 0) return shared.status();
  return ParseShared(dp, shared, what, message);
}

}  // namespace agnapprox

#endif  // AGNAPPROX_PIPELINE_INTERNAL_SHARE_H_
