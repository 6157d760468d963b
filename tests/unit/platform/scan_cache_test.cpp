// ScanCache: the daemon's rescans read only what changed, and give the same answer as a scan
// without a cache.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/platform/migration_directory.hpp"
#include "agent/platform/sha256.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::platform {
namespace {

namespace fs = std::filesystem;
using std::chrono::nanoseconds;

std::string sql_file(const std::string& id, const std::string& down, const std::string& body) {
  return "-- revision: " + id + "\n" + (down.empty() ? "" : "-- down_revision: " + down + "\n") +
         "-- +upgrade\n" + body + "\n";
}

// What a scan found, as "path=id@checksum" lines and problems, for comparing two scans.
std::vector<std::string> summary(const ScanResult& scan) {
  std::vector<std::string> out;
  for (const core::Revision& r : scan.revisions) out.push_back(r.path + "=" + r.id + "@" + r.checksum);
  for (const core::Error& e : scan.problems) out.push_back("problem: " + e.message);
  return out;
}

class ScanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir.write("a.sql", sql_file("a1", "", "CREATE TABLE a (x INT);"));
    m_dir.write("b.sql", sql_file("b1", "a1", "CREATE TABLE b (x INT);"));
  }
  std::string dir() const { return m_dir.path().string(); }

  test::TempDir m_dir;
  ScanCache m_cache{nanoseconds(0)};  // every file counts as settled
};

TEST_F(ScanCacheTest, AnUnchangedDirectoryIsNotReadAgainAndGivesTheSameGraph) {
  const LoadedGraph first = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(first.graph, nullptr);
  EXPECT_EQ(m_cache.files(), 2U);
  const ScanResult again = scan_migration_directory(dir(), &m_cache);
  EXPECT_EQ(again.files_read, 0U);
  EXPECT_EQ(summary(again), summary(scan_migration_directory(dir())));
  const LoadedGraph second = load_revision_graph(dir(), &m_cache);
  EXPECT_EQ(second.graph, first.graph) << "the graph was built again";
  EXPECT_EQ(second.files, 2U);
}

TEST_F(ScanCacheTest, AnEditedFileIsReadAgainAndTheGraphRebuilt) {
  const LoadedGraph first = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(first.graph, nullptr);
  // Written in place with another size. (A same-size write within the same timestamp tick
  // would look unchanged: that is what the settle time is for; this cache has none.)
  const std::string edited = sql_file("b1", "a1", "CREATE TABLE bb (x INT);");
  m_dir.write("b.sql", edited);
  // A scan in between (the cache takes the new file) must not make the old graph current.
  const ScanResult scan = scan_migration_directory(dir(), &m_cache);
  EXPECT_EQ(scan.files_read, 1U);
  EXPECT_EQ(summary(scan), summary(scan_migration_directory(dir())));
  const LoadedGraph second = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(second.graph, nullptr);
  EXPECT_NE(second.graph, first.graph);
  const auto b = second.graph->find("b1");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(second.graph->revision(*b).checksum, *sha256_hex(edited));
  EXPECT_EQ(load_revision_graph(dir(), &m_cache).graph, second.graph);
}

TEST_F(ScanCacheTest, AFileRenamedOverAnotherIsReadAgain) {
  ASSERT_NE(load_revision_graph(dir(), &m_cache).graph, nullptr);
  m_dir.write("staging/b.sql", sql_file("b2", "a1", "CREATE TABLE b (x INT);"));
  fs::rename(m_dir.path() / "staging" / "b.sql", m_dir.path() / "b.sql");
  const LoadedGraph loaded = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(loaded.graph, nullptr);
  EXPECT_TRUE(loaded.graph->find("b2").has_value());
  EXPECT_FALSE(loaded.graph->find("b1").has_value());
}

TEST_F(ScanCacheTest, AddedAndRemovedFilesChangeTheGraph) {
  const LoadedGraph first = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(first.graph, nullptr);
  m_dir.write("c.sql", sql_file("c1", "b1", "CREATE TABLE c (x INT);"));
  const LoadedGraph added = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(added.graph, nullptr);
  EXPECT_EQ(added.graph->size(), 3U);
  fs::remove(m_dir.path() / "c.sql");
  const ScanResult scan = scan_migration_directory(dir(), &m_cache);
  EXPECT_EQ(scan.files_read, 0U);
  EXPECT_EQ(m_cache.files(), 2U) << "a deleted file is forgotten";
  const LoadedGraph removed = load_revision_graph(dir(), &m_cache);
  ASSERT_NE(removed.graph, nullptr);
  EXPECT_EQ(removed.graph->size(), 2U);
  EXPECT_FALSE(removed.graph->find("c1").has_value());
}

TEST_F(ScanCacheTest, ABrokenFileIsAProblemEveryTimeUntilFixed) {
  m_dir.write("c.sql", "-- revision: c1\n-- down_revision: b1\n");  // no upgrade section
  for (int i = 0; i < 2; ++i) {
    const LoadedGraph loaded = load_revision_graph(dir(), &m_cache);
    EXPECT_EQ(loaded.graph, nullptr);
    ASSERT_EQ(loaded.problems.size(), 1U);
    EXPECT_NE(loaded.problems[0].message.find("c.sql"), std::string::npos);
  }
  m_dir.write("c.sql", sql_file("c1", "b1", "SELECT 1;"));
  EXPECT_NE(load_revision_graph(dir(), &m_cache).graph, nullptr);
}

TEST_F(ScanCacheTest, AnotherDirectoryStartsAfresh) {
  ASSERT_NE(load_revision_graph(dir(), &m_cache).graph, nullptr);
  test::TempDir other;
  other.write("z.sql", sql_file("z1", "", "SELECT 1;"));
  const LoadedGraph loaded = load_revision_graph(other.path().string(), &m_cache);
  ASSERT_NE(loaded.graph, nullptr);
  EXPECT_EQ(loaded.graph->size(), 1U);
  EXPECT_EQ(m_cache.files(), 1U);
}

TEST(ScanCache, ALargeDirectoryIsCheckedOnSeveralThreadsWithTheSameAnswer) {
  test::TempDir dir;
  constexpr int k_files = 700;  // enough for the scanner's extra threads
  for (int i = 0; i < k_files; ++i) {
    const std::string id = "r" + std::to_string(1000 + i);
    const std::string down = i == 0 ? "" : "r" + std::to_string(999 + i);
    dir.write(id + ".sql", sql_file(id, down, "SELECT " + std::to_string(i) + ";"));
  }
  ScanCache cache{nanoseconds(0)};
  const LoadedGraph first = load_revision_graph(dir.path().string(), &cache);
  ASSERT_NE(first.graph, nullptr);
  EXPECT_EQ(cache.files(), static_cast<std::size_t>(k_files));
  EXPECT_EQ(load_revision_graph(dir.path().string(), &cache).graph, first.graph);
  // One file replaced: read again, the rest taken from the cache, the same as no cache.
  dir.write("staging/r1500.sql", sql_file("r1500", "r1499", "SELECT 'changed';"));
  fs::rename(dir.path() / "staging" / "r1500.sql", dir.path() / "r1500.sql");
  const ScanResult scan = scan_migration_directory(dir.path().string(), &cache);
  EXPECT_EQ(scan.files_read, 1U);
  EXPECT_EQ(summary(scan), summary(scan_migration_directory(dir.path().string())));
  const LoadedGraph second = load_revision_graph(dir.path().string(), &cache);
  ASSERT_NE(second.graph, nullptr);
  EXPECT_NE(second.graph, first.graph);
  EXPECT_EQ(second.graph->size(), static_cast<std::size_t>(k_files));
}

TEST(ScanCache, FilesChangedWithinTheSettleTimeAreReadEveryTime) {
  test::TempDir dir;
  dir.write("a.sql", sql_file("a1", "", "SELECT 1;"));
  ScanCache cache;  // the default: two seconds
  const LoadedGraph first = load_revision_graph(dir.path().string(), &cache);
  ASSERT_NE(first.graph, nullptr);
  EXPECT_EQ(cache.files(), 0U) << "a file written just now was remembered";
  const ScanResult again = scan_migration_directory(dir.path().string(), &cache);
  EXPECT_EQ(again.files_read, 1U);
}

}  // namespace
}  // namespace magent::platform
