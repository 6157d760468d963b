#include "agent/daemon/watch_path.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace magent::daemon {
namespace {

namespace fs = std::filesystem;

bool walked(const PathResolution& resolution, const fs::path& directory, const char* name) {
  return std::find(resolution.entries.begin(), resolution.entries.end(),
                   WalkedEntry{directory.string(), name}) != resolution.entries.end();
}

class WatchPath : public ::testing::Test {
 protected:
  // The temp dir with symlinks (e.g. TMPDIR through a link) already resolved.
  fs::path root() const { return fs::canonical(m_tmp.path()); }

  test::TempDir m_tmp;
};

TEST_F(WatchPath, PlainDirectoryLeadsToItselfAndRecordsEveryStep) {
  fs::create_directories(root() / "migrations");
  const PathResolution resolution = resolve_watch_path((root() / "migrations").string());
  ASSERT_TRUE(resolution.present()) << resolution.problem;
  EXPECT_EQ(resolution.target, (root() / "migrations").string());
  EXPECT_NE(resolution.inode, 0U);
  ASSERT_FALSE(resolution.entries.empty());
  EXPECT_EQ(resolution.entries.front().directory, "/");  // every ancestor is a step
  EXPECT_TRUE(walked(resolution, root(), "migrations"));
  EXPECT_TRUE(resolution.problem.empty());
}

TEST_F(WatchPath, SymlinkChainIsFollowedAndEachLinkIsAStep) {
  fs::create_directories(root() / "releases/r1/migrations");
  fs::create_directory_symlink("releases/r1", root() / "current");
  fs::create_directory_symlink("current", root() / "live");
  const PathResolution resolution = resolve_watch_path((root() / "live/migrations").string());
  ASSERT_TRUE(resolution.present()) << resolution.problem;
  EXPECT_EQ(resolution.target, (root() / "releases/r1/migrations").string());
  EXPECT_TRUE(walked(resolution, root(), "live"));
  EXPECT_TRUE(walked(resolution, root(), "current"));
  EXPECT_TRUE(walked(resolution, root(), "releases"));
  EXPECT_TRUE(walked(resolution, root() / "releases", "r1"));
  EXPECT_TRUE(walked(resolution, root() / "releases/r1", "migrations"));
}

TEST_F(WatchPath, DotDotInsideSymlinkTargetIsAppliedAfterResolution) {
  fs::create_directories(root() / "a/b");
  fs::create_directories(root() / "a/target");
  fs::create_directory_symlink("../target", root() / "a/b/link");
  const PathResolution resolution = resolve_watch_path((root() / "a/b/link").string());
  ASSERT_TRUE(resolution.present()) << resolution.problem;
  EXPECT_EQ(resolution.target, (root() / "a/target").string());
}

TEST_F(WatchPath, MissingComponentIsNamedAndItsParentIsTheLastStep) {
  const PathResolution resolution = resolve_watch_path((root() / "deploy/migrations").string());
  EXPECT_FALSE(resolution.present());
  EXPECT_NE(resolution.problem.find("deploy"), std::string::npos) << resolution.problem;
  ASSERT_FALSE(resolution.entries.empty());
  EXPECT_EQ(resolution.entries.back(), (WalkedEntry{root().string(), "deploy"}));
}

TEST_F(WatchPath, DanglingSymlinkIsMissingAndStillWatchedAsAStep) {
  fs::create_directory_symlink("nowhere", root() / "current");
  const PathResolution resolution = resolve_watch_path((root() / "current").string());
  EXPECT_FALSE(resolution.present());
  EXPECT_TRUE(walked(resolution, root(), "current"));
  EXPECT_TRUE(walked(resolution, root(), "nowhere"));
}

TEST_F(WatchPath, SymlinkLoopIsAProblemNotAHang) {
  fs::create_directory_symlink("b", root() / "a");
  fs::create_directory_symlink("a", root() / "b");
  const PathResolution resolution = resolve_watch_path((root() / "a").string());
  EXPECT_FALSE(resolution.present());
  EXPECT_NE(resolution.problem.find("symbolic links"), std::string::npos) << resolution.problem;
}

TEST_F(WatchPath, RegularFileIsNotADirectory) {
  m_tmp.write("file.sql", "x");
  const PathResolution resolution = resolve_watch_path((root() / "file.sql").string());
  EXPECT_FALSE(resolution.present());
  EXPECT_NE(resolution.problem.find("not a directory"), std::string::npos);
  EXPECT_TRUE(resolve_watch_path("").problem.find("empty") != std::string::npos);
}

TEST_F(WatchPath, RelativePathStartsFromTheWorkingDirectory) {
  fs::create_directories(root() / "app/migrations");
  const fs::path saved = fs::current_path();
  fs::current_path(root() / "app");
  const PathResolution resolution = resolve_watch_path("./migrations/");
  fs::current_path(saved);
  ASSERT_TRUE(resolution.present()) << resolution.problem;
  EXPECT_EQ(resolution.target, (root() / "app/migrations").string());
  EXPECT_TRUE(walked(resolution, root(), "app"));
}

TEST_F(WatchPath, RecreatedDirectoryHasANewIdentity) {
  fs::create_directories(root() / "m");
  const PathResolution before = resolve_watch_path((root() / "m").string());
  fs::rename(root() / "m", root() / "old");  // keep the inode alive so it is not reused
  fs::create_directories(root() / "m");
  const PathResolution after = resolve_watch_path((root() / "m").string());
  EXPECT_EQ(before.target, after.target);
  EXPECT_NE(before.inode, after.inode);
  EXPECT_NE(before, after);
}

}  // namespace
}  // namespace magent::daemon
