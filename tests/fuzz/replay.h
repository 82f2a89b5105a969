// Replays every file of tests/fuzz/corpus/<corpus> through a fuzz entry
// point (the regression tests): each must return 0 without crashing.
#ifndef AGNAPPROX_TESTS_FUZZ_REPLAY_H_
#define AGNAPPROX_TESTS_FUZZ_REPLAY_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace agnapprox {

// The number of files replayed.
inline int Replay(const std::string& corpus, int (*target)(const uint8_t*, size_t)) {
  const std::string dir = std::string(std::getenv("TEST_SRCDIR")) + "/" +
                          std::getenv("TEST_WORKSPACE") + "/tests/fuzz/corpus/" + corpus;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string s = bytes.str();
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(target(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0);
    ++count;
  }
  return count;
}

}  // namespace agnapprox

#endif  // AGNAPPROX_TESTS_FUZZ_REPLAY_H_
