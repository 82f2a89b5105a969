// An exception's message for a one-line error: LibTorch's errors append a
// backtrace after the first line.
#ifndef AGNAPPROX_IO_EXCEPTION_TEXT_H_
#define AGNAPPROX_IO_EXCEPTION_TEXT_H_

#include <exception>
#include <string>

namespace agnapprox {

inline std::string FirstLine(const std::exception& e) {
  const std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

}  // namespace agnapprox

#endif  // AGNAPPROX_IO_EXCEPTION_TEXT_H_
