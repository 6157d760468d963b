// The [runner] (the application's Alembic, for .py revisions) hangs under a running daemon:
// it is killed at `[runner] timeout`, the step is failed with its output, the daemon keeps
// running and reports the failure (not ready, `failed` drift) without retrying the same
// file, and applies the revision once a fixed file lands.
//
// The hanging revision sleeps before any DDL: Alembic on SQLite (pysqlite) and MariaDB
// commits DDL as it runs, so DDL before the hang would stay behind after the kill (a
// partly applied step, reported as failed, that the fixed file could not simply re-run).
// On PostgreSQL Alembic runs the whole batch in one transaction: the kill rolls back the
// revisions before the hanging one too, and the failure is still the hanging revision's
// (Alembic's last "Running upgrade" line), so its fixed file lifts the hold.
#include "tests/integration/daemon/daemon_fixture.hpp"  // wait_for_more_checks
#include "tests/integration/reliability/reliability_fixture.hpp"
#include "tests/support/now_lms_fixture.hpp"

namespace magent::test {
namespace {

class RunnerHang : public AlembicRunnerTest {};

TEST_P(RunnerHang,
       DaemonKillsTheRunnerAtItsTimeoutReportsTheFailureAndAppliesTheFixedFile) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  const std::vector<std::string> heads = alembic().heads();
  ASSERT_EQ(heads.size(), 1U);
  PyRevision slow{.id = "20260301_000000",
                  .down = heads,
                  .upgrade = {},
                  .downgrade = {"DROP TABLE t_slow"},
                  .upgrade_python =
                      "    print(\"hanging now\", flush=True)\n"
                      "    import time\n    time.sleep(120)\n",
                  .message = "Hangs"};
  alembic().add(slow);

  DaemonSettings settings = fault_daemon_settings(m_temp.path(), m_url, alembic().versions());
  settings.extra_toml =
      "[runner]\ncommand = '" + alembic().runner_command("upgrade") + "'\ntimeout = \"3s\"\n";
  DaemonUnderTest daemon(m_temp.path(), settings);
  ASSERT_TRUE(daemon.started()) << daemon.describe();

  // The hanging revision fails at the timeout. Everything before it is applied, except on
  // PostgreSQL, where it was rolled back with it (one transaction) and has no ledger row.
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_drift{kind=\"failed\"}", 1, 90s))
      << daemon.describe();
  const bool one_transaction = GetParam() == Engine::postgresql;
  const std::vector<std::string> rows_after_kill =
      one_transaction ? std::vector<std::string>{} : heads;
  EXPECT_TRUE(eventually([&] { return version_rows(*db) == rows_after_kill; }, k_fault_wait))
      << daemon.describe();
  if (one_transaction) {
    EXPECT_EQ(ledger_rows(*db).size(), 1U) << "a rolled-back revision was recorded";
  }
  const LedgerRow last = ledger_rows(*db).back();
  EXPECT_EQ(last.revision, slow.id);
  EXPECT_TRUE(contains(last.path, slow.id)) << last.path;
  EXPECT_EQ(last.outcome, "failed");
  EXPECT_TRUE(contains(last.error, "timed out")) << last.error;
  EXPECT_TRUE(contains(last.error, "hanging now")) << last.error;
  EXPECT_EQ(daemon.metric("migration_agent_ready"), 0);
  EXPECT_EQ(daemon.get("/healthz").status, 200);
  EXPECT_TRUE(wait_for_more_checks(daemon, 1.0)) << daemon.describe();
  EXPECT_TRUE(daemon.running()) << daemon.describe();
  std::size_t failed_rows = 0;
  for (const LedgerRow& row : ledger_rows(*db)) failed_rows += row.outcome == "failed" ? 1U : 0U;
  EXPECT_EQ(failed_rows, 1U) << "the unchanged file was retried";

  // The fixed file: applied, ready, no failed drift.
  slow.upgrade = {"CREATE TABLE t_slow (id INTEGER)"};
  slow.upgrade_python = "";
  alembic().add(slow);
  EXPECT_TRUE(
      eventually([&] { return version_rows(*db) == std::vector<std::string>{slow.id}; }, 60s))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_fault_wait))
      << daemon.describe();
  EXPECT_TRUE(
      daemon.wait_for_metric_value("migration_agent_drift{kind=\"failed\"}", 0, k_fault_wait))
      << daemon.describe();
  EXPECT_TRUE(has_table(*db, "t_slow"));
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, RunnerHang,
                         ::testing::Values(Engine::sqlite, Engine::postgresql, Engine::mysql),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
