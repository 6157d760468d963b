// SIGHUP reloads the configuration file: a valid change takes effect in the running
// daemon; an invalid file is refused and the daemon carries on with what it had.
#include <csignal>

#include "tests/integration/daemon/daemon_fixture.hpp"

namespace magent::test {
namespace {

using DaemonReload = DaemonTest;

TEST_P(DaemonReload, SighupAppliesAChangedFileAndKeepsTheOldConfigWhenTheNewOneIsInvalid) {
  add_table_revision("r1", "none");
  DaemonSettings s = settings();
  s.auto_migrate = false;
  DaemonUnderTest daemon(m_temp.path(), s);
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_metric_value("migration_agent_pending_revisions", 1, k_soon))
      << daemon.describe();
  EXPECT_EQ(daemon.metric("migration_agent_auto_migrate_enabled"), 0);

  // Turn automatic migration on and reload.
  s.auto_migrate = true;
  daemon.rewrite_config(s);
  ASSERT_TRUE(daemon.signal(SIGHUP));
  EXPECT_TRUE(wait_for_versions({"r1"})) << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_auto_migrate_enabled", 1, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_log("configuration reloaded (auto-migrate on)", k_soon));

  // An invalid file: refused with the reason, and the daemon keeps its configuration.
  std::string text = daemon_config_text(s, daemon.metrics_port());
  const std::string key = "poll_interval = \"200ms\"";
  ASSERT_NE(text.find(key), std::string::npos);
  text.replace(text.find(key), key.size(), "poll_interval = \"ten\"");
  const std::size_t before = daemon.log_size();
  daemon.rewrite_config_text(text);
  ASSERT_TRUE(daemon.signal(SIGHUP));
  EXPECT_TRUE(daemon.wait_for_log("reload failed; keeping the previous configuration", k_soon,
                                  before))
      << daemon.describe();
  const std::string log = daemon.log().substr(before);
  EXPECT_NE(log.find("poll_interval"), std::string::npos) << log;
  EXPECT_NE(log.find("\"ten\""), std::string::npos) << log;
  EXPECT_TRUE(daemon.running()) << daemon.describe();
  EXPECT_EQ(daemon.get("/healthz").status, 200);

  // Still auto-migrating with the old settings.
  add_table_revision("r2", "r1");
  EXPECT_TRUE(wait_for_versions({"r2"})) << daemon.describe();
  EXPECT_EQ(daemon.metric("migration_agent_auto_migrate_enabled"), 1);
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonReload, ::testing::ValuesIn(all_engines()),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
