#include "agent/control/authorization.hpp"

#include <algorithm>

namespace magent::control {
namespace {

bool contains(const std::vector<unsigned>& list, unsigned value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

Decision authorize(Access access, const Peer& peer, const config::ControlConfig& config) {
  if (access == Access::read_only) return Decision::allowed;
  if (peer.uid == 0 || contains(config.allow_uids, peer.uid)) return Decision::allowed;
  if (contains(config.allow_gids, peer.gid)) return Decision::allowed;
  const bool group_allowed = std::any_of(peer.groups.begin(), peer.groups.end(), [&](unsigned gid) {
    return contains(config.allow_gids, gid);
  });
  return group_allowed ? Decision::allowed : Decision::forbidden;
}

std::string describe(const Peer& peer) {
  return "uid " + std::to_string(peer.uid) + " gid " + std::to_string(peer.gid) + " pid " +
         std::to_string(peer.pid);
}

}  // namespace magent::control
