// Splits one fuzz input into files for the loaders that read several:
// parts are separated by the line "--8<--".
#ifndef AGNAPPROX_TESTS_FUZZ_FUZZ_INPUT_H_
#define AGNAPPROX_TESTS_FUZZ_FUZZ_INPUT_H_

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/file_io.h"

// The entry point: libFuzzer's in a fuzzer, a named function in the
// regression test that links every target together.
#ifdef AGNAPPROX_FUZZ_REGRESSION
#define AGNAPPROX_FUZZ_TARGET(name) int name(const uint8_t* data, size_t size)
#else
#define AGNAPPROX_FUZZ_TARGET(name) \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
#endif

namespace agnapprox {

inline std::vector<std::string> SplitParts(const uint8_t* data, size_t size, size_t count) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const std::string sep = "\n--8<--\n";
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() + 1 < count) {
    const size_t p = all.find(sep, start);
    if (p == std::string::npos) break;
    parts.push_back(all.substr(start, p - start));
    start = p + sep.size();
  }
  parts.push_back(all.substr(start));
  parts.resize(count);
  return parts;
}

// A private scratch folder for this process.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    std::string pattern = "/tmp/agnapprox-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    return new std::string(pattern);
  }();
  return *dir;
}

inline void WriteScratch(const std::string& name, const std::string& bytes) {
  if (!WriteFileAtomically(ScratchDir() + "/" + name, bytes).ok()) std::abort();
}

}  // namespace agnapprox

#endif  // AGNAPPROX_TESTS_FUZZ_FUZZ_INPUT_H_
