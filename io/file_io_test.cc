#include "io/file_io.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

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

// The names in `dir`, sorted.
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string FreshDir(const std::string& name) {
  const std::string dir = TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A write that fails part-way (the file-size limit stands in for a full
// disk) leaves the existing file as it was and no temporary beside it.
TEST(FileIo, AFailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  const std::string dir = FreshDir("failed_write");
  const std::string path = dir + "/out.json";
  ASSERT_TRUE(WriteFileAtomically(path, "old contents").ok());
  struct rlimit before;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
  std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  struct rlimit small = before;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const absl::Status s = WriteFileAtomically(path, std::string(1 << 20, 'x'));
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &before), 0);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
  absl::StatusOr<std::string> back = ReadFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "old contents");
  EXPECT_EQ(Listing(dir), std::vector<std::string>{"out.json"});
}

// The rename fails (a folder stands where the file should go): the folder
// stays, and no temporary is left beside it.
TEST(FileIo, AFailedRenameLeavesNoTemporary) {
  const std::string dir = FreshDir("failed_rename");
  std::filesystem::create_directories(dir + "/out.json/inside");
  const absl::Status s = WriteFileAtomically(dir + "/out.json", "new");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Listing(dir), std::vector<std::string>{"out.json"});
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/out.json/inside"));
}

TEST(FileIo, WriteIntoMissingDirectoryFailsAndCreatesNothing) {
  const std::string dir = FreshDir("missing_dir");
  absl::Status s = WriteFileAtomically(dir + "/no/such/dir/out", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Listing(dir).empty());
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
