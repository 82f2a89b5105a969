// Test helper for data-parallel tests on 127.0.0.1.
#ifndef AGNAPPROX_NETS_LOOPBACK_TESTING_H_
#define AGNAPPROX_NETS_LOOPBACK_TESTING_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

}  // namespace agnapprox

#endif  // AGNAPPROX_NETS_LOOPBACK_TESTING_H_
