// SIGTERM while a long migration step runs: the daemon exits 0 within [daemon]
// shutdown_grace, never leaves a half-applied step where DDL is transactional, has a MySQL
// statement that outlasts the grace stopped (KILL QUERY) and recorded as failed, and never
// leaves the migration lock behind.
#include <csignal>

#include "tests/integration/daemon/daemon_fixture.hpp"

namespace magent::test {
namespace {

using Clock = std::chrono::steady_clock;

class DaemonShutdown : public DaemonTest {
 protected:
  // r1 (applied before the daemon starts), r2 altering the application's table t_r1,
  // creating t_r2 and then busy for about `seconds` seconds, r3 quick.
  void add_revisions(int seconds) {
    add_table_revision("r1", "none");
    RevisionSpec slow = create_table_revision("r2", "r1", "t_r2");
    const std::string create = "ALTER TABLE t_r1 ADD COLUMN note VARCHAR(20);\n" + slow.upgrade + "\n";
    // SQLite has no sleep: a recursive count, about 2.5 million rows a second here.
    const long rows = 2'500'000L * seconds;
    slow.upgrade_for = {
        {"postgresql", create + "SELECT pg_sleep(" + std::to_string(seconds) + ");"},
        {"mysql", create + "SELECT SLEEP(" + std::to_string(seconds) + ");"},
        {"sqlite", create + "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                            "WHERE x < " + std::to_string(rows) + ") SELECT count(*) FROM c;"}};
    add(slow, "r2");
    add_table_revision("r3", "r2");
    const ProcessResult pre = run_agent({"--database-url", m_db->url(), "--migrations-dir",
                                         m_migrations.string(), "upgrade", "r1"},
                                        m_temp.path());
    ASSERT_EQ(pre.exit_code, 0) << pre.err;
  }

  // Starts the daemon and returns once it is inside r2's step (holding the lock).
  std::unique_ptr<DaemonUnderTest> start_in_slow_step(const std::string& grace) {
    DaemonSettings s = settings();
    s.shutdown_grace = grace;
    auto daemon = std::make_unique<DaemonUnderTest>(m_temp.path(), s);
    EXPECT_TRUE(daemon->started()) << daemon->describe();
    EXPECT_TRUE(daemon->wait_for_metric_value("migration_agent_lock_held", 1, k_soon))
        << daemon->describe();
    EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r1"}) << "r2 finished too early";
    return daemon;
  }

  mutable int m_rows = 0;

  // Whether the application can write to `table` now (waiting at most a second for a lock).
  bool table_writable(const std::string& table) const {
    std::string sql = "INSERT INTO " + table + " (id) VALUES (" + std::to_string(++m_rows) + ");";
    switch (GetParam()) {
      case Engine::sqlite:
        sql = ".timeout 1000\n" + sql;
        break;
      case Engine::postgresql:
        sql = "SET lock_timeout = '1s';\n" + sql;
        break;
      case Engine::mysql:
        sql = "SET SESSION lock_wait_timeout = 1, SESSION innodb_lock_wait_timeout = 1;\n" + sql;
        break;
    }
    return db().try_sql(sql);
  }

  // Another agent can take the migration lock at once (a no-op upgrade takes it first).
  void expect_lock_free() {
    DaemonSettings s = settings();
    s.lock_timeout = "3s";
    const auto config = m_temp.write("lock-check.toml", daemon_config_text(s, 1));
    const auto started = Clock::now();
    const ProcessResult r = run_agent({"--config", config.string(), "upgrade", "r1"}, m_temp.path());
    EXPECT_EQ(r.exit_code, 0) << "exit 4 means the lock was still held: " << r.err;
    EXPECT_LT(Clock::now() - started, 3s) << r.err;
  }
};

TEST_P(DaemonShutdown, SigtermDuringAStepShorterThanTheGraceFinishesItThenExits) {
  add_revisions(2);
  if (HasFatalFailure()) return;
  auto daemon = start_in_slow_step("60s");
  if (HasFailure()) return;

  const auto signalled = Clock::now();
  ASSERT_TRUE(daemon->signal(SIGTERM));
  const ProcessResult exited = daemon->wait(90s);
  const auto took = Clock::now() - signalled;

  EXPECT_EQ(exited.exit_code, 0) << daemon->describe();
  EXPECT_LT(took, 60s);
  // The running step completed and committed; the next one was not started.
  EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r2"}) << daemon->describe();
  EXPECT_TRUE(has_table(db(), "t_r2"));
  EXPECT_TRUE(has_column(db(), "t_r1", "note"));
  EXPECT_EQ(ledger_outcomes(db(), "r2"), std::vector<std::string>{"succeeded"});
  EXPECT_FALSE(has_table(db(), "t_r3"));
  EXPECT_TRUE(ledger_outcomes(db(), "r3").empty());
  EXPECT_NE(exited.err.find("received SIGTERM"), std::string::npos) << exited.err;
  expect_lock_free();
}

TEST_P(DaemonShutdown, SigtermDuringAStepLongerThanTheGraceExitsAtTheGrace) {
  add_revisions(600);
  if (HasFatalFailure()) return;
  auto daemon = start_in_slow_step("500ms");
  if (HasFailure()) return;

  const auto signalled = Clock::now();
  ASSERT_TRUE(daemon->signal(SIGTERM));
  const ProcessResult exited = daemon->wait(30s);
  const auto took = Clock::now() - signalled;

  EXPECT_EQ(exited.exit_code, 0) << daemon->describe();
  EXPECT_GE(took, 400ms) << "the step was not given its grace period";
  EXPECT_LT(took, 5s) << daemon->describe();
  EXPECT_NE(exited.err.find("grace"), std::string::npos) << exited.err;
  // The step never committed: the version did not move and nothing says it succeeded.
  EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r1"});
  const auto r2 = ledger_outcomes(db(), "r2");
  if (GetParam() != Engine::mysql) {
    EXPECT_FALSE(has_table(db(), "t_r2"));
    EXPECT_TRUE(r2.empty()) << "a transactional step leaves no ledger row when rolled back";
  } else {
    // MySQL's DDL committed by itself before the sleep, and the server would run the sleep
    // on after the daemon's exit: the daemon had it stopped (KILL QUERY from a connection
    // of its own) and recorded the step as failed, rather than leaving it `started`.
    EXPECT_NE(exited.err.find("KILL QUERY"), std::string::npos) << exited.err;
    EXPECT_EQ(exited.err.find("is still running after"), std::string::npos) << exited.err;
    EXPECT_EQ(r2, std::vector<std::string>{"failed"});
    const std::vector<LedgerRow> rows = ledger_rows_for(ledger_rows(db()), "r2");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_NE(rows[0].error.find("interrupted"), std::string::npos) << rows[0].error;
    const auto sleeping = [&] {
      return query_value(db(),
                         "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                         "'SELECT SLEEP(600)%'");
    };
    EXPECT_TRUE(eventually([&] { return sleeping() == "0"; }, 5s)) << sleeping();
  }
  // Nothing of the step lingers on the server: the application's table is free again
  // within moments (an orphaned statement would hold its lock until it ends by itself).
  EXPECT_TRUE(eventually([&] { return table_writable("t_r1"); }, 10s))
      << "t_r1 stays locked after the agent exited";
  if (GetParam() != Engine::mysql) {
    EXPECT_FALSE(has_column(db(), "t_r1", "note")) << "the ALTER of the unfinished step survived";
  }
  expect_lock_free();
}

TEST_P(DaemonShutdown, SigtermWhileWaitingForTheLockExitsWithoutWaitingOutTheGrace) {
  add_revisions(600);
  if (HasFatalFailure()) return;
  auto holder = start_in_slow_step("500ms");  // holds the lock for ten minutes
  if (HasFailure()) return;
  DaemonSettings s = settings();
  s.shutdown_grace = "30s";
  s.lock_timeout = "5m";
  DaemonUnderTest waiter(m_temp.path(), s, "waiter");
  ASSERT_TRUE(waiter.started()) << waiter.describe();
  // In a run, waiting for the lock the other daemon holds. The step running over there is
  // not a failure (on MySQL its ledger row already says `started`).
  ASSERT_TRUE(waiter.wait_for_metric_value("migration_agent_migrating", 1, k_soon))
      << waiter.describe();
  EXPECT_EQ(waiter.metric(R"(migration_agent_drift{kind="failed"})"), 0);

  const auto signalled = Clock::now();
  ASSERT_TRUE(waiter.signal(SIGTERM));
  const ProcessResult exited = waiter.wait(60s);
  EXPECT_EQ(exited.exit_code, 0) << waiter.describe();
  EXPECT_LT(Clock::now() - signalled, 5s) << "nothing was running; the grace is for steps"
                                          << waiter.describe();
  EXPECT_TRUE(holder->running()) << holder->describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonShutdown, ::testing::ValuesIn(all_engines()),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
