#pragma once

#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/control/protocol.hpp"

namespace magent::control {

// Who is on the other end of a connection, as the kernel reports it at connect time
// (SO_PEERCRED, SO_PEERGROUPS). Not something the client can claim.
struct Peer {
  unsigned uid = 0;
  unsigned gid = 0;  // primary (effective) group
  int pid = 0;
  std::vector<unsigned> groups;  // supplementary groups; empty when the kernel gave none
};

// Whether a peer may run a command.
enum class Decision { allowed, forbidden };

// Read-only commands: everyone who can connect. Mutating commands: uid 0, a uid in
// `config.allow_uids`, or a peer whose primary or supplementary gid is in `allow_gids`.
Decision authorize(Access access, const Peer& peer, const config::ControlConfig& config);

// "uid 1000 gid 1000 pid 4242", for logs, audit rows and error messages.
std::string describe(const Peer& peer);

}  // namespace magent::control
