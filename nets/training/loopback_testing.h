// Test helpers for data-parallel tests on 127.0.0.1: ranks as threads of
// the test process.
#ifndef AGNAPPROX_NETS_TRAINING_LOOPBACK_TESTING_H_
#define AGNAPPROX_NETS_TRAINING_LOOPBACK_TESTING_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "nets/training/distributed.h"

namespace agnapprox {

// A loopback port nobody listens on right now (the kernel's pick).
inline int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

using RankOptions = std::vector<std::pair<std::string, std::string>>;

// Connects `world` ranks, one thread each, at 127.0.0.1 on a free port, rank
// r with options(r), and runs body on each connected rank. Returns each
// rank's status: Connect's when it failed, else body's.
inline std::vector<absl::Status> RunLoopbackRanks(
    int world, const std::function<RankOptions(int rank)>& options,
    const std::function<absl::Status(DataParallel&)>& body) {
  const int port = FreeLoopbackPort();
  std::vector<absl::Status> status(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      DistributedEnv env;
      env.world_size = world;
      env.rank = r;
      env.master_port = port;
      auto dp = DataParallel::Connect(env, options(r), std::chrono::seconds(30));
      status[r] = dp.ok() ? body(**dp) : dp.status();
    });
  }
  for (std::thread& t : threads) t.join();
  return status;
}

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_TRAINING_LOOPBACK_TESTING_H_
