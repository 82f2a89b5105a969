// Parsing text-format protobuf files with one-line errors.
//
//   proto::Catalog c;
//   absl::Status s = ParseTextFormat(text, "c.txtpb", &c);
//   // "c.txtpb: syntax error at line 3:7: Expected identifier ..."
#ifndef AGNAPPROX_IO_TEXT_FORMAT_H_
#define AGNAPPROX_IO_TEXT_FORMAT_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace agnapprox {

// Parses `text` into `message`; the error names `path` and the position of
// the first syntax error.
absl::Status ParseTextFormat(const std::string& text, const std::string& path,
                             google::protobuf::Message* message);

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_TEXT_FORMAT_H_
