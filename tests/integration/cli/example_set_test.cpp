// The shipped example set (migrations/) through the real binary on every engine: upgrade,
// downgrade to base and back, the --force guard, and the ledger rows each step leaves.
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

class CliExampleSet : public CliTest {
 protected:
  ExampleSet m_set = example_set();
};

TEST_P(CliExampleSet, UpgradeReachesTheHeadAndCreatesTheExampleTables) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  ASSERT_GE(m_set.revisions.size(), 2U);
  AgentRunner agent(db->url(), m_set.dir, m_temp.path());

  ProcessResult up = agent.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_TRUE(contains(up.out, m_set.head())) << up.out;

  EXPECT_EQ(current_revisions(agent), std::vector<std::string>{m_set.head()});
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{m_set.head()});
  EXPECT_EQ(user_tables(*db), m_set.tables);
  EXPECT_EQ(query_value(*db, "SELECT valor FROM system_info WHERE param = 'lms_name'"),
            "NOW LMS; it's yours");

  ProcessResult check = agent.run({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
  ProcessResult again = agent.run({"upgrade"});
  EXPECT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_TRUE(contains(again.out, "Nothing to do")) << again.out;
  EXPECT_EQ(ledger_rows(*db).size(), m_set.revisions.size());  // the no-op wrote nothing
}

TEST_P(CliExampleSet, DowngradeBaseWithForceEmptiesTheDatabaseAndUpgradeRestoresIt) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir, m_temp.path());
  ASSERT_EQ(agent.run({"upgrade"}).exit_code, 0);

  ProcessResult down = agent.run({"downgrade", "base", "--force"});
  ASSERT_EQ(down.exit_code, 0) << describe(down);
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{});
  EXPECT_EQ(current_revisions(agent), std::vector<std::string>{});
  EXPECT_EQ(table_names(*db), (std::vector<std::string>{"alembic_version", "migration_agent_log"}));
  auto ledger = ledger_rows(*db);
  std::size_t downgrades = 0;
  for (const auto& row : ledger) {
    if (row.direction == "downgrade" && row.outcome == "succeeded") ++downgrades;
  }
  EXPECT_EQ(downgrades, m_set.revisions.size());

  ProcessResult up = agent.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(current_revisions(agent), std::vector<std::string>{m_set.head()});
  EXPECT_EQ(user_tables(*db), m_set.tables);
}

TEST_P(CliExampleSet, DowngradeBaseWithoutForceExitsTwoAndChangesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir, m_temp.path());
  ASSERT_EQ(agent.run({"upgrade"}).exit_code, 0);
  const auto ledger_before = ledger_rows(*db).size();

  ProcessResult down = agent.run({"downgrade", "base"});
  EXPECT_EQ(down.exit_code, 2) << describe(down);
  EXPECT_TRUE(one_line(down.err));
  EXPECT_TRUE(contains(down.err, "--force")) << down.err;
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{m_set.head()});
  EXPECT_EQ(user_tables(*db), m_set.tables);
  EXPECT_EQ(ledger_rows(*db).size(), ledger_before);

  // A relative target that ends at base needs --force just the same.
  const std::string all = "-" + std::to_string(m_set.revisions.size());
  ProcessResult relative = agent.run({"downgrade", all});
  EXPECT_EQ(relative.exit_code, 2) << describe(relative);
  EXPECT_TRUE(contains(relative.err, "--force")) << relative.err;
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{m_set.head()});
  EXPECT_EQ(user_tables(*db), m_set.tables);
  EXPECT_EQ(ledger_rows(*db).size(), ledger_before);
}

TEST_P(CliExampleSet, DowngradeToTheFirstRevisionIsAllowedWithoutForce) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir, m_temp.path());
  ASSERT_EQ(agent.run({"upgrade"}).exit_code, 0);
  ProcessResult down = agent.run({"downgrade", m_set.revisions.front()});
  ASSERT_EQ(down.exit_code, 0) << describe(down);
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{m_set.revisions.front()});
  EXPECT_EQ(user_tables(*db), std::vector<std::string>{"usuario"});
}

TEST_P(CliExampleSet, EveryUpgradeStepLeavesOneSucceededLedgerRowWithTheFileChecksum) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir, m_temp.path());
  ProcessResult up = agent.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);

  const std::string host = run_process({"/usr/bin/hostname"}).out;
  auto ledger = ledger_rows(*db);
  ASSERT_EQ(ledger.size(), m_set.revisions.size());
  std::string pid;
  for (std::size_t i = 0; i < ledger.size(); ++i) {
    const LedgerRow& row = ledger[i];
    const std::string& revision = m_set.revisions[i];  // in the order applied
    SCOPED_TRACE(revision);
    EXPECT_EQ(row.revision, revision);
    EXPECT_EQ(row.direction, "upgrade");
    EXPECT_EQ(row.outcome, "succeeded");
    EXPECT_EQ(row.checksum, sha256sum(m_set.paths.at(revision)));
    EXPECT_EQ(row.path, std::filesystem::path(m_set.paths.at(revision)).filename().string());
    EXPECT_EQ(row.trigger, "cli");
    EXPECT_EQ(row.error, "");
    EXPECT_EQ(row.versions_after, revision);
    EXPECT_EQ(host.substr(0, host.find('\n')), row.host);
    EXPECT_FALSE(row.agent_version.empty());
    EXPECT_GT(std::stoll(row.pid), 0);
    if (i == 0) pid = row.pid;
    EXPECT_EQ(row.pid, pid);  // one process applied them all
  }
  ProcessResult version = run_agent({"--version"}, m_temp.path());
  EXPECT_TRUE(contains(version.out, ledger.front().agent_version)) << version.out;
}

TEST_P(CliExampleSet, EditingAnAppliedFileIsReportedAsChecksumDrift) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const auto dir = m_temp.path() / "migrations";
  std::filesystem::copy(m_set.dir, dir);
  AgentRunner agent(db->url(), dir, m_temp.path());
  ASSERT_EQ(agent.run({"upgrade"}).exit_code, 0);
  ASSERT_EQ(agent.run({"check"}).exit_code, 0);

  const auto edited = dir / std::filesystem::path(m_set.paths.at(m_set.revisions[1])).filename();
  std::string text = read_file(edited);
  std::ofstream(edited, std::ios::binary) << text << "\n-- edited after it was applied\n";
  nlohmann::json check = agent.run_json({"check"}, 1);
  ASSERT_TRUE(check.is_object());
  ASSERT_EQ(check["drift"].size(), 1U) << check.dump();
  EXPECT_EQ(check["drift"][0]["kind"], "checksum");
  EXPECT_TRUE(contains(check["drift"][0].value("message", ""), m_set.revisions[1]))
      << check.dump();
}

MAGENT_CLI_ALL_ENGINES(CliExampleSet);

}  // namespace
}  // namespace magent::test
