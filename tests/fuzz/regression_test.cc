// Replays every seed and every crash the fuzzers found through the fuzz
// entry points, in the normal build: a crash that comes back fails here.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

int FuzzNpy(const uint8_t* data, size_t size);
int FuzzIdx(const uint8_t* data, size_t size);
int FuzzCatalog(const uint8_t* data, size_t size);
int FuzzTrace(const uint8_t* data, size_t size);

namespace {

int Replay(const std::string& corpus, int (*target)(const uint8_t*, size_t)) {
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

TEST(FuzzRegression, Npy) { EXPECT_GT(Replay("npy_fuzzer", FuzzNpy), 0); }
TEST(FuzzRegression, Idx) { EXPECT_GT(Replay("idx_fuzzer", FuzzIdx), 0); }
TEST(FuzzRegression, Catalog) { EXPECT_GT(Replay("catalog_fuzzer", FuzzCatalog), 0); }
TEST(FuzzRegression, Trace) { EXPECT_GT(Replay("trace_fuzzer", FuzzTrace), 0); }

}  // namespace
