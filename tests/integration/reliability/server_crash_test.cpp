// The database server is killed (SIGKILL, no shutdown) while a step runs, then restarted:
// the CLI exits 3 or 5 with one line naming the step, nothing that did not commit is
// recorded as succeeded, and the next upgrade finishes; the daemon survives, reports the
// database down, reconnects and finishes (PostgreSQL) or, on MariaDB, where the dead step's
// `started` row cannot tell how far it got, holds with `failed` drift until an operator
// runs the upgrade. Each test runs a server of its own (tests/support/private_server.hpp).
#include <cstdlib>

#include "tests/integration/reliability/reliability_fixture.hpp"
#include "tests/support/cli_fixture.hpp"
#include "tests/support/private_server.hpp"

namespace magent::test {
namespace {

class ServerCrash : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const char* ci = std::getenv("CI");
    if (!engine_available(GetParam()) && !(ci != nullptr && std::string(ci) == "true")) {
      GTEST_SKIP() << engine_name(GetParam()) << " server not configured";
    }
    m_server = std::make_unique<PrivateServer>(GetParam());
    ASSERT_TRUE(m_server->ok()) << m_server->error();
    m_db = make_test_database_on(GetParam(), m_server->url());
    ASSERT_NE(m_db, nullptr);
    // r1 creates `hold` (in a revision: tables without alembic_version are unversioned
    // drift, which the daemon leaves alone). r2 sleeps for as long as `hold` has a row: on
    // PostgreSQL after its CREATE TABLE (one transaction), on MariaDB before it (DDL
    // commits at once), so a crash during the sleep leaves nothing of r2 behind on either.
    m_set.add({.id = "r1",
               .upgrade = "CREATE TABLE hold (n INTEGER);\nINSERT INTO hold (n) VALUES (1);\n"
                          "CREATE TABLE t_one (id INTEGER);",
               .downgrade = "DROP TABLE t_one;\nDROP TABLE hold;"});
    m_set.add({.id = "r2",
               .down = {"r1"},
               .upgrade = "CREATE TABLE t_two (id INTEGER);",
               .downgrade = "DROP TABLE t_two;",
               .upgrade_for = {{"postgresql",
                                "CREATE TABLE t_two (id INTEGER);\n"
                                "SELECT pg_sleep(60) FROM hold;"},
                               {"mysql",
                                "SELECT SLEEP(60) FROM hold;\n"
                                "CREATE TABLE t_two (id INTEGER);"}}});
    m_set.add({.id = "r3",
               .down = {"r2"},
               .upgrade = "CREATE TABLE t_three (id INTEGER);",
               .downgrade = "DROP TABLE t_three;"});
  }

  // Whether r2's sleep is running now.
  bool sleeping() const {
    if (GetParam() == Engine::postgresql) {
      return query_value(*m_db,
                         "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                         "current_database() AND state = 'active' AND query LIKE "
                         "'SELECT pg_sleep(60) FROM hold%'") == "1";
    }
    return query_value(*m_db,
                       "SELECT COUNT(*) FROM information_schema.processlist WHERE "
                       "db = DATABASE() AND info LIKE 'SELECT SLEEP(60) FROM hold%'") == "1";
  }

  // Once r2 sleeps: empties `hold` (the running sleep keeps the row it read, so later runs
  // of r2 do not sleep) and kills the server.
  void crash_during_r2() {
    ASSERT_TRUE(eventually([&] { return sleeping(); }, 60s)) << "r2 never started sleeping";
    m_db->sql("DELETE FROM hold");
    ASSERT_TRUE(m_server->crash()) << m_server->error();
  }

  // After the restart: r1 committed and recorded; r2 neither applied nor recorded as
  // succeeded (MariaDB keeps its `started` row).
  void expect_r2_not_applied() {
    EXPECT_EQ(version_rows(*m_db), std::vector<std::string>{"r1"});
    EXPECT_FALSE(has_table(*m_db, "t_two"));
    const auto ledger = ledger_rows(*m_db);
    const auto r1 = ledger_rows_for(ledger, "r1");
    ASSERT_EQ(r1.size(), 1U);
    EXPECT_EQ(r1[0].outcome, "succeeded");
    const auto r2 = ledger_rows_for(ledger, "r2");
    for (const LedgerRow& row : r2) EXPECT_NE(row.outcome, "succeeded");
    if (GetParam() == Engine::mysql) {
      ASSERT_EQ(r2.size(), 1U);
      EXPECT_EQ(r2[0].outcome, "started");
    } else {
      EXPECT_EQ(r2.size(), 0U) << "the failure could not have been written to a dead server";
    }
  }

  TempDir m_temp;
  std::unique_ptr<PrivateServer> m_server;
  std::unique_ptr<TestDatabase> m_db;
  MigrationSet m_set{m_temp.path() / "migrations"};
};

TEST_P(ServerCrash, CliExitsThreeOrFiveNamingTheStepAndTheRerunFinishes) {
  AgentRunner agent(m_db->url(), m_set.dir(), m_temp.path());
  BackgroundProcess upgrade(agent.argv({"upgrade"}), agent.options());
  crash_during_r2();
  if (HasFatalFailure()) return;
  ProcessResult crashed = upgrade.wait(60s);
  ASSERT_FALSE(crashed.timed_out) << "the CLI hung on a dead server";
  EXPECT_TRUE(crashed.exit_code == 3 || crashed.exit_code == 5) << describe(crashed);
  EXPECT_TRUE(one_line(crashed.err)) << crashed.err;
  EXPECT_TRUE(contains(crashed.err, "r2")) << crashed.err;
  EXPECT_TRUE(contains(crashed.out, "r1")) << "r1 was reported applied: " << crashed.out;

  // While the server is down: exit 3, one line.
  ProcessResult down = agent.run({"current"});
  EXPECT_EQ(down.exit_code, 3) << describe(down);
  EXPECT_TRUE(one_line(down.err)) << down.err;

  ASSERT_TRUE(m_server->resume()) << m_server->error();
  expect_r2_not_applied();
  nlohmann::json check = agent.run_json({"check"}, 1);
  const auto kinds = drift_kinds_of(check);
  if (GetParam() == Engine::mysql) {
    // A `started` row whose writer is gone: the step died half-way as far as anyone knows.
    EXPECT_TRUE(has_item(kinds, "failed")) << check.dump();
  } else {
    EXPECT_EQ(kinds, std::vector<std::string>{"behind"}) << check.dump();
  }

  // The CLI does not hold on `failed` drift (an operator ran it): r2 runs again and, as
  // nothing of it had committed, succeeds.
  ProcessResult rerun = agent.run({"upgrade"});
  ASSERT_EQ(rerun.exit_code, 0) << describe(rerun);
  EXPECT_EQ(version_rows(*m_db), std::vector<std::string>{"r3"});
  EXPECT_EQ(agent.run({"check"}).exit_code, 0);
  const auto r2 = ledger_rows_for(ledger_rows(*m_db), "r2");
  ASSERT_FALSE(r2.empty());
  EXPECT_EQ(r2.back().outcome, "succeeded");
}

TEST_P(ServerCrash, DaemonSurvivesReportsTheDatabaseDownAndFinishesAfterTheRestart) {
  DaemonUnderTest daemon(m_temp.path(),
                         fault_daemon_settings(m_temp.path(), m_db->url(), m_set.dir()));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  crash_during_r2();
  if (HasFatalFailure()) return;

  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_database_up", 0, k_fault_wait))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 0, k_fault_wait))
      << daemon.describe();
  EXPECT_EQ(daemon.get("/healthz").status, 200) << "the process itself is fine";
  std::this_thread::sleep_for(1s);  // several polls and retries against a dead server
  ASSERT_TRUE(daemon.running()) << daemon.describe();

  ASSERT_TRUE(m_server->resume()) << m_server->error();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_database_up", 1, k_fault_wait))
      << daemon.describe();
  if (GetParam() == Engine::mysql) {
    // The daemon's own step died with its session: MariaDB may have committed part of it,
    // and the `started` row cannot say. Automatic runs hold; the operator decides.
    EXPECT_TRUE(
        daemon.wait_for_metric_value("migration_agent_drift{kind=\"failed\"}", 1, k_fault_wait))
        << daemon.describe();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(version_rows(*m_db), std::vector<std::string>{"r1"}) << daemon.describe();
    EXPECT_EQ(daemon.metric("migration_agent_ready"), 0);
    ProcessResult manual = run_process(
        {ctl_binary(), "--socket", (m_temp.path() / "control.sock").string(), "upgrade"});
    EXPECT_EQ(manual.exit_code, 0) << describe(manual) << daemon.describe();
  }
  EXPECT_TRUE(eventually([&] { return version_rows(*m_db) == std::vector<std::string>{"r3"}; },
                         k_fault_wait))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_fault_wait))
      << daemon.describe();
  EXPECT_TRUE(
      daemon.wait_for_metric_value("migration_agent_drift{kind=\"failed\"}", 0, k_fault_wait))
      << daemon.describe();
  const auto ledger = ledger_rows(*m_db);
  for (const char* revision : {"r1", "r2", "r3"}) {
    int succeeded = 0;
    for (const LedgerRow& row : ledger_rows_for(ledger, revision)) {
      succeeded += row.outcome == "succeeded" ? 1 : 0;
    }
    EXPECT_EQ(succeeded, 1) << revision;
  }
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerCrash, ::testing::Values(Engine::postgresql, Engine::mysql),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
