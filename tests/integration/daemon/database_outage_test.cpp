// The database server goes away under a running daemon and comes back: the daemon keeps
// running, reports the outage, reconnects by itself and applies what became pending.
// Each test runs a server of its own (scripts/test-servers start/halt/resume), never the
// shared one.
#include <cstdlib>

#include "tests/integration/daemon/daemon_fixture.hpp"
#include "tests/support/private_server.hpp"

namespace magent::test {
namespace {

class DaemonOutage : public ::testing::TestWithParam<Engine> {};

TEST_P(DaemonOutage, ServerDownAtStartAndStoppedLaterDaemonReconnectsAndApplies) {
  // Where the shared servers are not configured, neither are the server binaries, as a
  // rule; under CI=true make_test_database_on fails the test instead.
  const char* ci = std::getenv("CI");
  if (!engine_available(GetParam()) && !(ci != nullptr && std::string(ci) == "true")) {
    GTEST_SKIP() << engine_name(GetParam()) << " server not configured";
  }
  TempDir temp;
  PrivateServer server(GetParam());
  ASSERT_TRUE(server.ok()) << server.error();
  auto db = make_test_database_on(GetParam(), server.url());
  ASSERT_NE(db, nullptr);
  const auto migrations = temp.path() / "migrations";
  std::filesystem::create_directories(migrations);
  const auto add = [&](const std::string& id, const std::string& down) {
    write_atomically(migrations / (id + ".sql"),
                     revision_text(create_table_revision(id, down, "t_" + id)));
  };
  const auto at = [&](const std::vector<std::string>& rows) {
    return eventually([&] { return version_rows(*db) == rows; }, k_soon, 50ms);
  };
  add("r1", "none");

  // The database is down when the daemon starts (a pod whose database is not up yet).
  ASSERT_TRUE(server.halt()) << server.error();
  DaemonSettings s;
  s.database_url = db->url();
  s.migrations_dir = migrations;
  DaemonUnderTest daemon(temp.path(), s);
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_log("first check done", k_soon)) << daemon.describe();
  EXPECT_EQ(daemon.metric("migration_agent_database_up"), 0);
  HttpResponse ready = daemon.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  const std::string prefix = "database unreachable: ";
  ASSERT_EQ(ready.body.rfind(prefix, 0), 0U) << ready.body;
  // The log says why, as /readyz does.
  const std::string why = ready.body.substr(prefix.size(), ready.body.find('\n') - prefix.size());
  EXPECT_TRUE(daemon.wait_for_log(why, k_soon)) << why << daemon.describe();

  ASSERT_TRUE(server.resume()) << server.error();
  EXPECT_TRUE(at({"r1"})) << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();

  // Stopped under the running daemon.
  ASSERT_TRUE(server.halt()) << server.error();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_database_up", 0, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 0, k_soon));
  ready = daemon.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body.rfind(prefix, 0), 0U) << ready.body;
  EXPECT_EQ(daemon.get("/healthz").status, 200) << "the process itself is fine";

  // Deployed while the database is down; applied once it is back.
  add("r2", "r1");
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_migration_files", 2, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.running()) << daemon.describe();

  ASSERT_TRUE(server.resume()) << server.error();
  EXPECT_TRUE(at({"r2"})) << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_database_up", 1, k_soon))
      << daemon.describe();
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();
  EXPECT_EQ(ledger_outcomes(*db, "r1"), std::vector<std::string>{"succeeded"});
  EXPECT_EQ(ledger_outcomes(*db, "r2"), std::vector<std::string>{"succeeded"});
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

INSTANTIATE_TEST_SUITE_P(Servers, DaemonOutage,
                         ::testing::Values(Engine::postgresql, Engine::mysql), engine_param_name);

}  // namespace
}  // namespace magent::test
