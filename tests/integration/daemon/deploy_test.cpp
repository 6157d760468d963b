// The daemon applies what a deployment drops into the migrations directory, without a
// restart: a file copied in, a Kubernetes ConfigMap update (the `..data` symlink swap), and
// two replicas that start together apply each revision exactly once.
#include <filesystem>

#include "tests/integration/daemon/daemon_fixture.hpp"

namespace magent::test {
namespace {

namespace fs = std::filesystem;

using DaemonDeploy = DaemonTest;

// Only the directory watcher can start a check: no poll, no periodic rescan.
DaemonSettings watcher_only(DaemonSettings s) {
  s.poll_interval = "1h";
  s.rescan_interval = "0s";
  return s;
}

TEST_P(DaemonDeploy, NewRevisionFileCopiedIntoTheDirectoryIsAppliedWithoutRestart) {
  add_table_revision("r1", "none");
  DaemonUnderTest daemon(m_temp.path(), watcher_only(settings()));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(wait_for_versions({"r1"})) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_log("first check done", k_soon)) << daemon.describe();

  // Written elsewhere, then copied in as `cp` does (create, write, close).
  const fs::path staged = m_temp.write("staging/0002_r2.sql",
                                       revision_text(create_table_revision("r2", "r1", "t_r2")));
  fs::copy_file(staged, m_migrations / "0002_r2.sql");

  EXPECT_TRUE(wait_for_versions({"r2"})) << daemon.describe();
  EXPECT_TRUE(has_table(db(), "t_r2"));
  EXPECT_EQ(ledger_outcomes(db(), "r2"), std::vector<std::string>{"succeeded"});
  EXPECT_TRUE(daemon.wait_for_metric_value(R"(migration_agent_database_revision_info{revision="r2"})",
                                           1, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.running()) << daemon.describe();
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

TEST_P(DaemonDeploy, ConfigMapDataSymlinkSwapToANewRevisionIsApplied) {
  // A ConfigMap volume as the kubelet writes it: the files live in a timestamped dot
  // directory, `..data` points at it, and each key is a symlink through `..data`.
  const auto write_payload = [&](const std::string& stamp, const std::vector<std::string>& ids) {
    const fs::path dir = m_migrations / stamp;
    fs::create_directories(dir);
    std::string down = "none";
    for (const auto& id : ids) {
      write_atomically(dir / (id + ".sql"),
                       revision_text(create_table_revision(id, down, "t_" + id)));
      down = id;
    }
  };
  const std::string first = "..2026_01_10_12_00_00.000000001";
  const std::string second = "..2026_01_11_12_00_00.000000002";
  write_payload(first, {"r1"});
  fs::create_directory_symlink(first, m_migrations / "..data");
  fs::create_symlink("..data/r1.sql", m_migrations / "r1.sql");

  DaemonUnderTest daemon(m_temp.path(), watcher_only(settings()));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(wait_for_versions({"r1"})) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_log("first check done", k_soon)) << daemon.describe();

  // The kubelet's AtomicWriter: new payload dir, `..data_tmp` -> it, rename over `..data`,
  // then the symlink for the new key, then the old payload is removed.
  write_payload(second, {"r1", "r2"});
  fs::create_directory_symlink(second, m_migrations / "..data_tmp");
  fs::rename(m_migrations / "..data_tmp", m_migrations / "..data");
  fs::create_symlink("..data/r2.sql", m_migrations / "r2.sql");
  fs::remove_all(m_migrations / first);

  EXPECT_TRUE(wait_for_versions({"r2"})) << daemon.describe();
  EXPECT_TRUE(has_table(db(), "t_r2"));
  EXPECT_EQ(ledger_outcomes(db(), "r1"), std::vector<std::string>{"succeeded"});
  EXPECT_EQ(ledger_outcomes(db(), "r2"), std::vector<std::string>{"succeeded"});
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_parse_errors", 0, k_soon));
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

// A step slow enough (about 0.3 s) that a second daemon starts while the first is applying.
RevisionSpec slowish_revision(const std::string& id, const std::string& down) {
  RevisionSpec spec = create_table_revision(id, down, "t_" + id);
  const std::string create = spec.upgrade + "\n";
  spec.upgrade_for = {
      {"postgresql", create + "SELECT pg_sleep(0.3);"},
      {"mysql", create + "SELECT SLEEP(0.3);"},
      {"sqlite", create + "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                          "WHERE x < 1000000) SELECT count(*) FROM c;"}};
  return spec;
}

TEST_P(DaemonDeploy, TwoDaemonsStartedTogetherApplyEachRevisionExactlyOnce) {
  const std::vector<std::string> ids = {"r1", "r2", "r3", "r4", "r5"};
  std::string down = "none";
  for (const auto& id : ids) {
    add(slowish_revision(id, down), id);
    down = id;
  }
  DaemonUnderTest first(m_temp.path(), settings(), "first");
  DaemonUnderTest second(m_temp.path(), settings(), "second");
  ASSERT_TRUE(first.started()) << first.describe();
  ASSERT_TRUE(second.started()) << second.describe();

  ASSERT_TRUE(wait_for_versions({"r5"})) << first.describe() << second.describe();
  for (DaemonUnderTest* daemon : {&first, &second}) {
    EXPECT_TRUE(daemon->wait_for_metric_value(
        R"(migration_agent_database_revision_info{revision="r5"})", 1, k_soon))
        << daemon->describe();
    EXPECT_TRUE(daemon->wait_for_metric_value("migration_agent_pending_revisions", 0, k_soon))
        << daemon->describe();
    EXPECT_TRUE(daemon->wait_for_metric_value("migration_agent_ready", 1, k_soon))
        << daemon->describe();
  }
  for (const auto& id : ids) {
    EXPECT_EQ(ledger_outcomes(db(), id), std::vector<std::string>{"succeeded"}) << id;
  }
  EXPECT_EQ(ledger_size(db()), static_cast<int>(ids.size()));
  const double applied =
      first.metric(R"(migration_agent_steps_total{direction="upgrade",outcome="succeeded"})")
          .value_or(-1) +
      second.metric(R"(migration_agent_steps_total{direction="upgrade",outcome="succeeded"})")
          .value_or(-1);
  EXPECT_EQ(applied, static_cast<double>(ids.size())) << first.describe() << second.describe();
  EXPECT_EQ(first.stop().exit_code, 0) << first.describe();
  EXPECT_EQ(second.stop().exit_code, 0) << second.describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonDeploy, ::testing::ValuesIn(all_engines()),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
