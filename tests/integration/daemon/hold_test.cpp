// When the daemon must not apply, it holds and says why: AUTO_MIGRATE off, a malformed
// migration file, and a step that failed (not retried until its file changes).
#include "tests/integration/daemon/daemon_fixture.hpp"

namespace magent::test {
namespace {

using DaemonHold = DaemonTest;

TEST_P(DaemonHold, AutoMigrateOffAppliesNothingAndReportsPendingRevisions) {
  add_table_revision("r1", "none");
  add_table_revision("r2", "r1");
  DaemonSettings s = settings();
  s.auto_migrate = false;
  DaemonUnderTest daemon(m_temp.path(), s);
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  // Any automatic run happens inside the first check, before this line is logged.
  ASSERT_TRUE(daemon.wait_for_log("first check done", k_soon)) << daemon.describe();

  EXPECT_EQ(daemon.metric("migration_agent_pending_revisions"), 2) << daemon.describe();
  EXPECT_EQ(daemon.metric(R"(migration_agent_drift{kind="behind"})"), 1);
  EXPECT_EQ(daemon.metric("migration_agent_auto_migrate_enabled"), 0);
  EXPECT_EQ(daemon.metric("migration_agent_auto_migrate_held"), 1);
  EXPECT_EQ(daemon.metric("migration_agent_ready"), 0);
  const HttpResponse ready = daemon.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("2 revision(s) pending: r1, r2"), std::string::npos) << ready.body;

  // A new file is reported too, and still nothing is applied.
  add_table_revision("r3", "r2");
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_pending_revisions", 3, k_soon))
      << daemon.describe();
  EXPECT_TRUE(wait_for_more_checks(daemon, 1)) << daemon.describe();
  EXPECT_FALSE(has_table(db(), "alembic_version"));
  EXPECT_FALSE(has_table(db(), "t_r1"));
  EXPECT_EQ(daemon.metric("migration_agent_pending_revisions"), 3);
  EXPECT_EQ(daemon.get("/readyz").status, 503);
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

TEST_P(DaemonHold, MalformedFileHoldsTheWholeGraphUntilItIsFixed) {
  add_table_revision("r1", "none");
  DaemonUnderTest daemon(m_temp.path(), settings());
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(wait_for_versions({"r1"})) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();

  // A broken file and a good new revision arrive in the same deploy (broken one first).
  write_atomically(m_migrations / "0003_broken.sql",
                   "-- down_revision: r2\n-- +upgrade\nCREATE TABLE t_r3 (id INTEGER);\n");
  add_table_revision("r2", "r1");

  EXPECT_TRUE(daemon.wait_for_metric("migration_agent_parse_errors",
                                     [](double v) { return v > 0; }, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_auto_migrate_held", 1, k_soon));
  EXPECT_TRUE(daemon.wait_for_log("0003_broken.sql", k_soon)) << daemon.describe();
  const HttpResponse ready = daemon.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("0003_broken.sql"), std::string::npos) << ready.body;
  // Several more checks, and none of them applies the good revision.
  EXPECT_TRUE(wait_for_more_checks(daemon, 1)) << daemon.describe();
  EXPECT_TRUE(daemon.running()) << daemon.describe();
  EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r1"});
  EXPECT_FALSE(has_table(db(), "t_r2"));
  EXPECT_TRUE(ledger_outcomes(db(), "r2").empty());
  // Said once, not at every poll.
  const std::string log = daemon.log();
  std::size_t said = 0;
  for (auto at = log.find("0003_broken.sql:"); at != std::string::npos;
       at = log.find("0003_broken.sql:", at + 1)) {
    ++said;
  }
  EXPECT_EQ(said, 1U) << log;

  // Fixed: both new revisions are applied.
  add(create_table_revision("r3", "r2", "t_r3"), "0003_broken");
  EXPECT_TRUE(wait_for_versions({"r3"})) << daemon.describe();
  EXPECT_TRUE(has_table(db(), "t_r2"));
  EXPECT_TRUE(has_table(db(), "t_r3"));
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_parse_errors", 0, k_soon));
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

TEST_P(DaemonHold, FailedStepIsNotRetriedUntilItsFileChanges) {
  add_table_revision("r1", "none");
  RevisionSpec broken;
  broken.id = "r2";
  broken.down = "r1";
  broken.upgrade = "INSERT INTO no_such_table (id) VALUES (1);";
  add(broken, "r2");
  DaemonUnderTest daemon(m_temp.path(), settings());
  ASSERT_TRUE(daemon.started()) << daemon.describe();

  EXPECT_TRUE(daemon.wait_for_metric_value(R"(migration_agent_drift{kind="failed"})", 1, k_soon))
      << daemon.describe();
  // Well past the retry backoff (retry_max 1 s), over many polls: still one attempt.
  EXPECT_TRUE(wait_for_more_checks(daemon, 2)) << daemon.describe();
  EXPECT_EQ(ledger_outcomes(db(), "r2"), std::vector<std::string>{"failed"}) << daemon.describe();
  EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r1"});
  EXPECT_EQ(daemon.metric(R"(migration_agent_drift{kind="failed"})"), 1);
  EXPECT_EQ(daemon.metric(R"(migration_agent_steps_total{direction="upgrade",outcome="failed"})"),
            1);
  EXPECT_EQ(daemon.metric("migration_agent_auto_migrate_held"), 1);
  const HttpResponse ready = daemon.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("r2"), std::string::npos) << ready.body;

  // The fixed file is a change: applied once, and the failure is settled.
  add_table_revision("r2", "r1");
  EXPECT_TRUE(wait_for_versions({"r2"})) << daemon.describe();
  EXPECT_EQ(ledger_outcomes(db(), "r2"), (std::vector<std::string>{"failed", "succeeded"}));
  EXPECT_TRUE(daemon.wait_for_metric_value(R"(migration_agent_drift{kind="failed"})", 0, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonHold, ::testing::ValuesIn(all_engines()),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
