#include "agent/control/peer_credentials.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <sys/types.h>

namespace magent::control {
namespace {

// More groups than Linux allows a process (NGROUPS_MAX is 65536); a bound for the buffer.
constexpr std::size_t k_max_groups = 65536;

// The peer's supplementary groups, or nothing when the kernel cannot tell.
std::vector<unsigned> read_peer_groups([[maybe_unused]] int socket_fd) {
  std::vector<unsigned> groups;
#ifdef SO_PEERGROUPS
  std::vector<gid_t> buffer(32);
  for (;;) {
    auto length = static_cast<socklen_t>(buffer.size() * sizeof(gid_t));
    if (::getsockopt(socket_fd, SOL_SOCKET, SO_PEERGROUPS, buffer.data(), &length) == 0) {
      buffer.resize(length / sizeof(gid_t));
      groups.assign(buffer.begin(), buffer.end());
      break;
    }
    const std::size_t needed = length / sizeof(gid_t);
    if (errno != ERANGE || needed <= buffer.size() || needed > k_max_groups) break;
    buffer.resize(needed);
  }
#endif
  return groups;
}

}  // namespace

core::Result<Peer> read_peer_credentials(int socket_fd) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 ||
      length != sizeof credentials) {
    return core::make_error(core::ErrorKind::io,
                            std::string("cannot read peer credentials: ") + std::strerror(errno));
  }
  Peer peer;
  peer.uid = credentials.uid;
  peer.gid = credentials.gid;
  peer.pid = credentials.pid;
  peer.groups = read_peer_groups(socket_fd);
  return peer;
}

}  // namespace magent::control
