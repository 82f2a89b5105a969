#include "io/folder_lock.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace agnapprox {
namespace {

std::string Folder() { return std::getenv("TEST_TMPDIR"); }

TEST(FolderLock, ASecondLockIsRefusedNamingTheFolderAndPid) {
  absl::StatusOr<FolderLock> first = FolderLock::Acquire(Folder());
  ASSERT_TRUE(first.ok()) << first.status();
  // flock locks belong to open file descriptions: a second open in the same
  // process conflicts as another process's would.
  absl::StatusOr<FolderLock> second = FolderLock::Acquire(Folder());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find(Folder()), std::string::npos);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(getpid())), std::string::npos)
      << second.status();
}

TEST(FolderLock, ReleasedOnDestructionAndWhenTheHolderDies) {
  { ASSERT_TRUE(FolderLock::Acquire(Folder()).ok()); }
  EXPECT_TRUE(FolderLock::Acquire(Folder()).ok());
  // A child takes the lock and is killed; its lock goes with it.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    absl::StatusOr<FolderLock> held = FolderLock::Acquire(Folder());
    const char ok = held.ok() ? 'y' : 'n';
    if (write(ready[1], &ok, 1) != 1) _exit(3);
    pause();
    _exit(0);
  }
  char got = 0;
  ASSERT_EQ(read(ready[0], &got, 1), 1);
  EXPECT_EQ(got, 'y');
  EXPECT_FALSE(FolderLock::Acquire(Folder()).ok());
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(FolderLock::Acquire(Folder()).ok());
}

TEST(FolderLock, AMissingFolderIsAnError) {
  absl::StatusOr<FolderLock> l = FolderLock::Acquire(Folder() + "/missing");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("missing/.lock"), std::string::npos);
}

}  // namespace
}  // namespace agnapprox
