#include "io/heap.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The number after `key` in a "key value" or "key: value kB" listing.
long long Field(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + key.size());
}

// First: a process that has not yet touched much of its heap. Where the
// kernel offers huge pages on request, the tables a tool fills
// after KeepHeapOnHugePages come in huge pages (or the kernel says it tried
// and had none at hand: thp_fault_fallback).
TEST(Heap, TablesComeOnHugePagesWhereOffered) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator does not use malloc's heap";
#endif
  const std::string mode = Slurp("/sys/kernel/mm/transparent_hugepage/enabled");
  if (mode.empty() || mode.find("[never]") != std::string::npos) {
    GTEST_SKIP() << "transparent huge pages are off here";
  }
  const long long fallback_before = Field(Slurp("/proc/vmstat"), "thp_fault_fallback ");
  KeepHeapOnHugePages(/*reserve_mib=*/64);
  std::vector<std::vector<int32_t>> tables(32);  // 8 MiB
  for (auto& t : tables) t.assign(65536, 1);
  const long long huge_kib = Field(Slurp("/proc/self/smaps_rollup"), "AnonHugePages:");
  const long long fallback_after = Field(Slurp("/proc/vmstat"), "thp_fault_fallback ");
  EXPECT_TRUE(huge_kib >= 2048 || fallback_after > fallback_before)
      << "AnonHugePages " << huge_kib << " kB, mode " << mode;
}

// Allocations work as before, whether or not huge pages are offered: what
// is written is read back, and freed memory is reused.
TEST(Heap, AllocationsStillWork) {
  KeepHeapOnHugePages(/*reserve_mib=*/64);
  std::vector<std::vector<int>> buffers;
  for (int i = 0; i < 20; ++i) buffers.emplace_back(256 * 1024, i);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(buffers[i].front(), i);
    EXPECT_EQ(buffers[i].back(), i);
  }
  buffers.clear();
  std::vector<char> big(80 << 20, 7);  // grows the heap past the reserve
  EXPECT_EQ(big[big.size() - 1], 7);
}

}  // namespace
}  // namespace agnapprox
