#include "io/file_io.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(FileIo, WriteThenRead) {
  const std::string path = TempDir() + "/file_io_roundtrip.bin";
  ASSERT_TRUE(WriteFileAtomically(path, std::string("a\0b", 3)).ok());
  absl::StatusOr<std::string> back = ReadFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, std::string("a\0b", 3));
}

TEST(FileIo, MissingFileIsNotFoundAndNamed) {
  absl::StatusOr<std::string> r = ReadFile(TempDir() + "/does_not_exist");
  EXPECT_TRUE(absl::IsNotFound(r.status()));
  EXPECT_NE(r.status().message().find("does_not_exist"), std::string::npos);
}

TEST(FileIo, DirectoryIsRefused) {
  absl::StatusOr<std::string> r = ReadFile(TempDir());
  EXPECT_TRUE(absl::IsInvalidArgument(r.status()));
  EXPECT_NE(r.status().message().find("directory"), std::string::npos);
}

TEST(FileIo, WriteIntoMissingDirectoryFailsWithoutLeftovers) {
  absl::Status s = WriteFileAtomically(TempDir() + "/no/such/dir/out", "x");
  EXPECT_FALSE(s.ok());
  struct stat st;
  EXPECT_NE(stat((TempDir() + "/no").c_str(), &st), 0);
}

TEST(FileIo, ResolveAndDirName) {
  EXPECT_EQ(ResolvePath("/base", "x.npy"), "/base/x.npy");
  EXPECT_EQ(ResolvePath("/base/", "x.npy"), "/base/x.npy");
  EXPECT_EQ(ResolvePath("/base", "/abs.npy"), "/abs.npy");
  EXPECT_EQ(ResolvePath("", "x.npy"), "x.npy");
  EXPECT_EQ(DirName("a/b/c.txt"), "a/b");
  EXPECT_EQ(DirName("c.txt"), "");
  EXPECT_EQ(DirName("/c.txt"), "/");
}

}  // namespace
}  // namespace agnapprox
