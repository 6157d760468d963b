#include "agent/control/authorization.hpp"

#include <gtest/gtest.h>

namespace magent::control {
namespace {

config::ControlConfig allowing(std::vector<unsigned> uids, std::vector<unsigned> gids) {
  config::ControlConfig config;
  config.allow_uids = std::move(uids);
  config.allow_gids = std::move(gids);
  return config;
}

Peer peer(unsigned uid, unsigned gid, std::vector<unsigned> groups = {}) {
  return Peer{uid, gid, 4242, std::move(groups)};
}

TEST(ControlAuthorization, ReadOnlyCommandsAreOpenToEveryPeer) {
  const auto config = allowing({}, {});
  EXPECT_EQ(authorize(Access::read_only, peer(65534, 65534), config), Decision::allowed);
  EXPECT_EQ(authorize(Access::read_only, peer(1000, 1000), config), Decision::allowed);
}

TEST(ControlAuthorization, RootMayAlwaysMutate) {
  EXPECT_EQ(authorize(Access::mutating, peer(0, 0), allowing({}, {})), Decision::allowed);
  EXPECT_EQ(authorize(Access::mutating, peer(0, 123), allowing({5}, {6})), Decision::allowed);
}

TEST(ControlAuthorization, UnlistedPeerMayNotMutate) {
  EXPECT_EQ(authorize(Access::mutating, peer(65534, 65534), allowing({}, {})), Decision::forbidden);
  EXPECT_EQ(authorize(Access::mutating, peer(1000, 1000, {27, 100}), allowing({1001}, {50})),
            Decision::forbidden);
}

TEST(ControlAuthorization, ListedUidMayMutate) {
  EXPECT_EQ(authorize(Access::mutating, peer(1000, 1000), allowing({999, 1000}, {})),
            Decision::allowed);
}

TEST(ControlAuthorization, PrimaryGroupInAllowGidsMayMutate) {
  EXPECT_EQ(authorize(Access::mutating, peer(1000, 50), allowing({}, {50})), Decision::allowed);
}

TEST(ControlAuthorization, SupplementaryGroupInAllowGidsMayMutate) {
  EXPECT_EQ(authorize(Access::mutating, peer(1000, 1000, {27, 50}), allowing({}, {50})),
            Decision::allowed);
}

TEST(ControlAuthorization, GidIsNotMistakenForUid) {
  // uid 50 is not allowed just because gid 50 is.
  EXPECT_EQ(authorize(Access::mutating, peer(50, 1000), allowing({}, {50})), Decision::forbidden);
}

TEST(ControlAuthorization, DescribesPeerForAuditLines) {
  EXPECT_EQ(describe(peer(1000, 100)), "uid 1000 gid 100 pid 4242");
}

}  // namespace
}  // namespace magent::control
