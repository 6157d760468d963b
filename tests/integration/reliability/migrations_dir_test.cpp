// The migrations directory disappears under a running daemon (a botched deploy, an
// unmounted volume) or becomes unreadable (a volume mounted with the wrong owner), then
// comes back: the daemon keeps running, reports the problem (not ready, a parse error, a
// log line naming the directory), touches nothing in the database meanwhile, and once the
// directory is back, with a new revision, applies it and is ready again.
#include <unistd.h>

#include "tests/integration/reliability/reliability_fixture.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

const SqlRevision k_r1{
    .id = "r1", .upgrade = "CREATE TABLE t_one (id INTEGER);", .downgrade = "DROP TABLE t_one;"};
const SqlRevision k_r2{.id = "r2",
                       .down = {"r1"},
                       .upgrade = "CREATE TABLE t_two (id INTEGER);",
                       .downgrade = "DROP TABLE t_two;"};
const SqlRevision k_r3{.id = "r3",
                       .down = {"r2"},
                       .upgrade = "CREATE TABLE t_three (id INTEGER);",
                       .downgrade = "DROP TABLE t_three;"};

class MigrationsDirectory : public CliTest {
 protected:
  std::filesystem::path dir() const { return m_temp.path() / "migrations"; }

  // Writes r1 and r2 and waits until `daemon` has applied them and is ready.
  void expect_r2_applied(const TestDatabase& db, DaemonUnderTest& daemon) {
    ASSERT_TRUE(daemon.started()) << daemon.describe();
    ASSERT_TRUE(eventually([&] { return version_rows(db) == std::vector<std::string>{"r2"}; },
                           k_fault_wait))
        << daemon.describe();
    ASSERT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_fault_wait))
        << daemon.describe();
  }

  // While the directory cannot be read: not ready, a parse error, the directory named in
  // the log, the process and the database connection fine, nothing applied or reverted.
  void expect_held(const TestDatabase& db, DaemonUnderTest& daemon, std::size_t log_from) {
    EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 0, k_fault_wait))
        << daemon.describe();
    EXPECT_TRUE(daemon.wait_for_metric(
        "migration_agent_parse_errors", [](double errors) { return errors >= 1; }, k_fault_wait))
        << daemon.describe();
    EXPECT_TRUE(daemon.wait_for_log(dir().string(), k_fault_wait, log_from))
        << "the log names the directory" << daemon.describe();
    EXPECT_NE(daemon.get("/readyz").status, 200);
    EXPECT_EQ(daemon.get("/healthz").status, 200);
    EXPECT_EQ(daemon.metric("migration_agent_database_up"), 1);
    std::this_thread::sleep_for(1s);  // several polls: nothing is applied or reverted
    EXPECT_TRUE(daemon.running()) << daemon.describe();
    EXPECT_EQ(version_rows(db), std::vector<std::string>{"r2"});
    EXPECT_TRUE(has_table(db, "t_two"));
  }

  // Once the directory is back with r3: applied, ready, no parse error, one succeeded
  // ledger row per revision; SIGTERM ends the daemon cleanly.
  void expect_r3_applied(const TestDatabase& db, DaemonUnderTest& daemon) {
    EXPECT_TRUE(eventually([&] { return version_rows(db) == std::vector<std::string>{"r3"}; },
                           k_fault_wait))
        << daemon.describe();
    EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_fault_wait))
        << daemon.describe();
    EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_parse_errors", 0, k_fault_wait))
        << daemon.describe();
    for (const char* revision : {"r1", "r2", "r3"}) {
      const auto rows = ledger_rows_for(ledger_rows(db), revision);
      ASSERT_EQ(rows.size(), 1U) << revision;
      EXPECT_EQ(rows[0].outcome, "succeeded");
    }
    EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
  }
};

TEST_P(MigrationsDirectory, DeletedUnderTheDaemonIsReportedAndRestoredIsApplied) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  {
    MigrationSet set(dir());
    set.add(k_r1);
    set.add(k_r2);
  }
  DaemonUnderTest daemon(m_temp.path(), fault_daemon_settings(m_temp.path(), db->url(), dir()));
  expect_r2_applied(*db, daemon);
  if (HasFatalFailure()) return;

  const std::size_t log_from = daemon.log_size();
  std::filesystem::remove_all(dir());
  expect_held(*db, daemon, log_from);

  // Restored (a new release: one more revision), file by file into a new directory.
  {
    MigrationSet set(dir());
    set.add(k_r1);
    set.add(k_r2);
    set.add(k_r3);
  }
  expect_r3_applied(*db, daemon);
}

TEST_P(MigrationsDirectory, UnreadableUnderTheDaemonIsReportedAndReadableAgainIsApplied) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  {
    MigrationSet set(dir());
    set.add(k_r1);
    set.add(k_r2);
  }
  DaemonSettings settings = fault_daemon_settings(m_temp.path(), db->url(), dir());
  if (::geteuid() == 0) {
    // Root reads any directory: the daemon runs as `nobody`, who gets the test's files.
    // The SQLite file is made now, to be handed over too: else the test's first probe
    // (sqlite3, as root) could create it before the daemon does, and the daemon could not
    // write to it.
    db->sql("SELECT 1;");
    constexpr uid_t k_nobody = 65534;
    ASSERT_EQ(::chown(m_temp.path().c_str(), k_nobody, k_nobody), 0);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(m_temp.path())) {
      ASSERT_EQ(::lchown(entry.path().c_str(), k_nobody, k_nobody), 0);
    }
    settings.command_prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                               "--clear-groups", "--"};
  }
  DaemonUnderTest daemon(m_temp.path(), settings);
  expect_r2_applied(*db, daemon);
  if (HasFatalFailure()) return;

  const std::size_t log_from = daemon.log_size();
  std::filesystem::permissions(dir(), std::filesystem::perms::none);
  expect_held(*db, daemon, log_from);

  // The next release lands while the directory is still unreadable, then access returns.
  MigrationSet(dir()).add(k_r3);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown((dir() / "r3.sql").c_str(), 65534, 65534), 0);
  }
  std::filesystem::permissions(dir(), std::filesystem::perms(0755));
  expect_r3_applied(*db, daemon);
}

MAGENT_CLI_ALL_ENGINES(MigrationsDirectory);

}  // namespace
}  // namespace magent::test
