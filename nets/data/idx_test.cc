#include "nets/data/idx.h"

#include <zlib.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "io/file_io.h"

namespace agnapprox {
namespace {

std::string Idx(std::vector<uint32_t> dims, const std::string& data) {
  std::string out = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((d >> s) & 0xff));
  }
  return out + data;
}

std::string Gzip(const std::string& raw) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(raw.size() + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = raw.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

TEST(Idx, ParsesRawAndGzip) {
  const std::string raw = Idx({2, 2, 3}, "abcdefghijkl");
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/a.idx", raw).ok());
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/a.idx.gz", Gzip(raw)).ok());
  for (const char* name : {"/a.idx", "/a.idx.gz"}) {
    absl::StatusOr<IdxArray> a = ReadIdx(Dir() + name);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->dims, (std::vector<int64_t>{2, 2, 3}));
    EXPECT_EQ(a->data.size(), 12u);
    EXPECT_EQ(a->data[11], 'l');
  }
}

void ExpectRefused(const std::string& bytes, const std::string& fragment) {
  ASSERT_TRUE(WriteFileAtomically(Dir() + "/bad.idx", bytes).ok());
  absl::StatusOr<IdxArray> a = ReadIdx(Dir() + "/bad.idx");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("bad.idx"), std::string::npos) << a.status();
  EXPECT_NE(a.status().message().find(fragment), std::string::npos) << a.status();
}

TEST(Idx, RefusesBrokenFiles) {
  ExpectRefused("garbage", "bad magic");
  ExpectRefused(Idx({10}, "short"), "truncated");
  ExpectRefused(Idx({2}, "toolong"), "promises 2 bytes");
  ExpectRefused(std::string("\0\0\x0d\x01", 4) + "xxxx", "not unsigned bytes");
  std::string gz = Gzip(Idx({100}, std::string(100, 'x')));
  ExpectRefused(gz.substr(0, gz.size() / 2), "corrupt gzip");
}

TEST(Idx, MissingFileIsNamed) {
  absl::StatusOr<IdxArray> a = ReadIdx(Dir() + "/nope-images.gz");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("nope-images.gz"), std::string::npos);
}

}  // namespace
}  // namespace agnapprox
