#pragma once

#include "agent/control/authorization.hpp"
#include "agent/core/result.hpp"

namespace magent::control {

// The kernel's record of who connected a Unix stream socket: SO_PEERCRED (uid, gid, pid)
// and, where the kernel has it (Linux 4.13+), SO_PEERGROUPS (supplementary groups), both
// taken at connect time. Without SO_PEERGROUPS `groups` is empty and only the primary gid
// counts. ErrorKind::io when the socket has no credentials.
core::Result<Peer> read_peer_credentials(int socket_fd);

}  // namespace magent::control
