// Helpers for the tests that run //:pipeline as a user would: the test's
// folders, runfiles, reading outputs, and a tiny learnable data set in
// Fashion-MNIST's file format.
#ifndef AGNAPPROX_TESTS_PIPELINE_TESTING_H_
#define AGNAPPROX_TESTS_PIPELINE_TESTING_H_

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/file_io.h"

namespace agnapprox {

inline std::string Dir() { return std::getenv("TEST_TMPDIR"); }

inline std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" +
         path;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline double JsonNumber(const std::string& json, const std::string& key) {
  const size_t p = json.find("\"" + key + "\": ");
  return p == std::string::npos ? -1 : std::atof(json.c_str() + p + key.size() + 4);
}

inline std::string Header(std::vector<uint32_t> dims) {
  std::string out = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((d >> s) & 0xff));
  }
  return out;
}

// Learnable images: class c lights a 6x6 square at a class-specific place.
inline void WriteSplit(const std::string& dir, const std::string& prefix, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string images = Header({static_cast<uint32_t>(n), 28, 28});
  std::string labels = Header({static_cast<uint32_t>(n)});
  for (int i = 0; i < n; ++i) {
    const int c = static_cast<int>(rng() % 10);
    labels.push_back(static_cast<char>(c));
    for (int y = 0; y < 28; ++y) {
      for (int x = 0; x < 28; ++x) {
        const bool on = y >= 2 + (c / 5) * 12 && y < 8 + (c / 5) * 12 && x >= 1 + (c % 5) * 5 &&
                        x < 7 + (c % 5) * 5;
        images.push_back(static_cast<char>(on ? 200 + rng() % 55 : rng() % 40));
      }
    }
  }
  ASSERT_TRUE(WriteFileAtomically(dir + "/" + prefix + "-images-idx3-ubyte", images).ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/" + prefix + "-labels-idx1-ubyte", labels).ok());
}

// Tests of runs on the tiny data set: Dir()/data holds 640 training and 200
// test images, written once per test suite.
class TinyDataTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    mkdir((Dir() + "/data").c_str(), 0755);
    WriteSplit(Dir() + "/data", "train", 640, 1);
    WriteSplit(Dir() + "/data", "t10k", 200, 2);
  }
};

// Starts `command` with /bin/sh in a process of its own; returns its pid.
inline pid_t StartShell(const std::string& command) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

// Waits for `pid`; its wait status, and in *seconds how long the wait took.
inline int WaitFor(pid_t pid, double* seconds = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(pid, &status, 0);
  if (seconds != nullptr) {
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return status;
}

}  // namespace agnapprox

#endif  // AGNAPPROX_TESTS_PIPELINE_TESTING_H_
