#include "agent/db/inspect.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/db/connect.hpp"
#include "agent/db/ledger.hpp"
#include "agent/platform/host.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

constexpr std::string_view k_key = "magent:test";

// A SQLite file with a ledger holding one step that started and never finished (as a MySQL
// step leaves it while it runs, or after its agent died), and a second connection that can
// hold the migration lock (the file lock beside the database).
class InspectUnfinishedStep : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = (m_temp.path() / "app.db").string();
    m_db = open_database(test::sqlite_options(path)).value();
    m_other = open_database(test::sqlite_options(path)).value();
    ASSERT_TRUE(ensure_ledger(*m_db, m_ledger).ok());
    LedgerEntry entry;
    entry.revision = "r2";
    entry.checksum = std::string(64, 'a');
    entry.started_at = std::chrono::system_clock::now();
    // Written by this process, which the lock holder's description names (host:pid).
    entry.host = platform::host_name();
    entry.pid = ::getpid();
    ASSERT_TRUE(append(*m_db, m_ledger, entry).ok());
  }

  Inspection inspect_now() {
    auto seen = inspect(*m_db, VersionTable{}, m_ledger, std::string(k_key));
    EXPECT_TRUE(seen.ok()) << seen.error().message;
    return seen.ok() ? *seen : Inspection{};
  }

  test::TempDir m_temp;
  LedgerTable m_ledger;
  std::unique_ptr<Database> m_db;
  std::unique_ptr<Database> m_other;
};

TEST_F(InspectUnfinishedStep, IsUnresolvedWhenNobodyHoldsTheLock) {
  const Inspection seen = inspect_now();
  EXPECT_FALSE(seen.lock_holder.has_value());
  ASSERT_EQ(seen.facts.unresolved.size(), 1U);
  EXPECT_EQ(seen.facts.unresolved.front().outcome, "started");
}

TEST_F(InspectUnfinishedStep, IsStillRunningWhileAnotherAgentHoldsTheLock) {
  ASSERT_EQ(m_other->try_lock(k_key).value(), true);
  const Inspection seen = inspect_now();
  EXPECT_TRUE(seen.lock_holder.has_value());
  EXPECT_TRUE(seen.facts.unresolved.empty());
  ASSERT_TRUE(m_other->unlock().ok());
  EXPECT_EQ(inspect_now().facts.unresolved.size(), 1U);
}

}  // namespace
}  // namespace magent::db
