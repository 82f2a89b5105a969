#include "io/heap.h"

#include <sys/mman.h>

#include <cstdint>
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

// The smaps entry (header line to the next header) of the mapping that
// holds `address`, or "".
std::string MappingOf(const void* address) {
  const auto a = reinterpret_cast<uintptr_t>(address);
  std::ifstream in("/proc/self/smaps");
  std::string line, entry;
  bool inside = false;
  while (std::getline(in, line)) {
    unsigned long long from, to;
    char dash;
    std::istringstream head(line);
    // A header: "start-end perms offset dev inode [path]" (hex addresses).
    if (head >> std::hex >> from >> dash >> to && dash == '-' && line.find(':') > line.find(' ')) {
      if (inside) return entry;
      inside = a >= from && a < to;
      entry.clear();
    }
    if (inside) entry += line + "\n";
  }
  return inside ? entry : "";
}

// First: a process that has not yet touched much of its heap. Where the
// kernel gives huge pages only on request (madvise mode), the mapping that
// holds the tables a tool fills after KeepHeapOnHugePages is eligible for
// them: this process's own mapping, whatever other processes do.
TEST(Heap, TablesComeOnHugePagesWhereOffered) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator does not use malloc's heap";
#endif
  const std::string mode = Slurp("/sys/kernel/mm/transparent_hugepage/enabled");
  if (mode.find("[madvise]") == std::string::npos) {
    GTEST_SKIP() << "huge pages are not given on request here (" << mode
                 << "): every mapping or none is eligible";
  }
  KeepHeapOnHugePages(/*reserve_mib=*/64);
  std::vector<std::vector<int32_t>> tables(32);  // 8 MiB
  for (auto& t : tables) t.assign(65536, 1);
  const std::string mapping = MappingOf(tables[16].data());
  ASSERT_FALSE(mapping.empty());
  EXPECT_EQ(Field(mapping, "THPeligible:"), 1) << mapping;
}

// The check above fails without the request: a plain allocation of the
// same size, outside the reserved heap, is not eligible.
TEST(Heap, APlainMappingIsNotEligible) {
  const std::string mode = Slurp("/sys/kernel/mm/transparent_hugepage/enabled");
  if (mode.find("[madvise]") == std::string::npos) GTEST_SKIP() << mode;
  const size_t size = 64 << 20;
  void* plain = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(plain, MAP_FAILED);
  std::memset(plain, 1, size);
  const std::string mapping = MappingOf(static_cast<char*>(plain) + size / 2);
  munmap(plain, size);
  ASSERT_FALSE(mapping.empty());
  EXPECT_EQ(Field(mapping, "THPeligible:"), 0) << mapping;
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
