// Replays every seed and every crash the fuzzers found through the fuzz
// entry points, in the normal build: a crash that comes back fails here.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/fuzz/replay.h"

int FuzzNpy(const uint8_t* data, size_t size);
int FuzzIdx(const uint8_t* data, size_t size);
int FuzzCatalog(const uint8_t* data, size_t size);
int FuzzTrace(const uint8_t* data, size_t size);

namespace {

using agnapprox::Replay;

TEST(FuzzRegression, Npy) { EXPECT_GT(Replay("npy_fuzzer", FuzzNpy), 0); }
TEST(FuzzRegression, Idx) { EXPECT_GT(Replay("idx_fuzzer", FuzzIdx), 0); }
TEST(FuzzRegression, Catalog) { EXPECT_GT(Replay("catalog_fuzzer", FuzzCatalog), 0); }
TEST(FuzzRegression, Trace) { EXPECT_GT(Replay("trace_fuzzer", FuzzTrace), 0); }

}  // namespace
