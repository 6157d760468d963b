// A migration whose second statement is invalid: exit 5 naming file, line and revision;
// PostgreSQL and SQLite roll the whole step back, MariaDB (DDL commits as it runs) keeps what
// ran; every engine records the failure and reports `failed` drift until it is settled.
#include <gtest/gtest.h>

#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

constexpr const char* k_bad_statement = "INSERT INTO t_partial (id) VALUES (1,, 2);";

class CliFailingStep : public CliTest {
 protected:
  // r1, r2 good; r3 creates t_partial, then fails on line `m_bad_line` of r3_partial.sql.
  void SetUp() override {
    m_set.add({.id = "r1", .upgrade = "CREATE TABLE t_one (id INTEGER);",
               .downgrade = "DROP TABLE t_one;"});
    m_set.add({.id = "r2", .down = {"r1"}, .upgrade = "CREATE TABLE t_two (id INTEGER);",
               .downgrade = "DROP TABLE t_two;"});
    write_r3("CREATE TABLE t_partial (id INTEGER);\n\n" + std::string(k_bad_statement) + "\n");
  }
  void write_r3(const std::string& upgrade) {
    const std::string text = sql_migration_text({.id = "r3", .down = {"r2"}, .upgrade = upgrade,
                                                 .downgrade = "DROP TABLE t_partial;",
                                                 .message = "Partly broken"});
    m_set.write("r3_partial.sql", text);
    m_bad_line = 0;
    std::size_t line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, std::string(k_bad_statement).size(), k_bad_statement) == 0) {
        m_bad_line = line;
        break;
      }
      if (text[i] == '\n') ++line;
    }
  }
  // Kinds of drift `check --json` reports, after checking its exit code.
  std::vector<std::string> drift_kinds(const AgentRunner& agent, int expected_exit) {
    nlohmann::json doc = agent.run_json({"check"}, expected_exit);
    std::vector<std::string> kinds;
    if (!doc.is_object() || !doc["drift"].is_array()) return kinds;
    for (const auto& d : doc["drift"]) kinds.push_back(d.value("kind", "?"));
    return kinds;
  }

  MigrationSet m_set{m_temp.path() / "migrations"};
  std::size_t m_bad_line = 0;
};

bool has(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

TEST_P(CliFailingStep, ExitsFiveNamingTheFileLineAndRevisionOfTheFailingStatement) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ProcessResult up = agent.run({"upgrade"});
  EXPECT_EQ(up.exit_code, 5) << describe(up);
  ASSERT_NE(m_bad_line, 0U);
  EXPECT_TRUE(one_line(up.err));
  EXPECT_TRUE(contains(up.err, "r3_partial.sql:" + std::to_string(m_bad_line) + ":")) << up.err;
  EXPECT_TRUE(contains(up.err, "revision r3")) << up.err;
  EXPECT_TRUE(contains(up.out, "FAILED")) << up.out;
}

TEST_P(CliFailingStep, LeavesTheEarlierRevisionsAloneAndRecordsTheFailure) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade", "r2"}).exit_code, 0);
  const auto before = ledger_rows(*db);
  ASSERT_EQ(before.size(), 2U);

  ProcessResult up = agent.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 5) << describe(up);
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{"r2"});
  EXPECT_EQ(current_revisions(agent), std::vector<std::string>{"r2"});

  const auto after = ledger_rows(*db);
  ASSERT_EQ(after.size(), 3U);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].revision, before[i].revision);
    EXPECT_EQ(after[i].outcome, "succeeded");
    EXPECT_EQ(after[i].versions_after, before[i].versions_after);
  }
  const LedgerRow& failed = after[2];
  EXPECT_EQ(failed.revision, "r3");
  EXPECT_EQ(failed.direction, "upgrade");
  EXPECT_EQ(failed.outcome, "failed");
  EXPECT_TRUE(contains(failed.error, "r3_partial.sql:" + std::to_string(m_bad_line)))
      << failed.error;
  EXPECT_EQ(failed.checksum, sha256sum((m_set.dir() / "r3_partial.sql").string()));

  if (GetParam() == Engine::mysql) {
    // MariaDB commits DDL as it runs: the first statement stays, as the ledger warns.
    EXPECT_TRUE(has_table(*db, "t_partial"));
  } else {
    EXPECT_FALSE(has_table(*db, "t_partial"));
  }
  EXPECT_TRUE(has_table(*db, "t_two"));
}

TEST_P(CliFailingStep, CheckReportsFailedDriftUntilAStampSettlesIt) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade"}).exit_code, 5);

  ProcessResult check = agent.run({"check"});
  EXPECT_EQ(check.exit_code, 1) << describe(check);
  EXPECT_TRUE(contains(check.out, "drift failed")) << check.out;
  EXPECT_TRUE(has(drift_kinds(agent, 1), "failed"));
  EXPECT_TRUE(has(drift_kinds(agent, 1), "failed"));  // reading never settles it

  ProcessResult stamp = agent.run({"stamp", "r2"});  // the operator: "the schema is at r2"
  ASSERT_EQ(stamp.exit_code, 0) << describe(stamp);
  auto kinds = drift_kinds(agent, 1);
  EXPECT_FALSE(has(kinds, "failed"));
  EXPECT_TRUE(has(kinds, "behind"));  // r3 is still pending
}

TEST_P(CliFailingStep, FixedFileSucceedsAndClearsTheFailedDrift) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade"}).exit_code, 5);
  ASSERT_TRUE(has(drift_kinds(agent, 1), "failed"));

  // IF NOT EXISTS: on MariaDB the failed attempt's CREATE TABLE has stayed.
  write_r3("CREATE TABLE IF NOT EXISTS t_partial (id INTEGER);\nINSERT INTO t_partial (id) "
           "VALUES (1);\n");
  ProcessResult up = agent.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{"r3"});
  EXPECT_EQ(query_value(*db, "SELECT COUNT(*) FROM t_partial"), "1");
  EXPECT_EQ(drift_kinds(agent, 0), std::vector<std::string>{});
  auto r3 = ledger_rows_for(ledger_rows(*db), "r3");
  ASSERT_EQ(r3.size(), 2U);
  EXPECT_EQ(r3[0].outcome, "failed");
  EXPECT_EQ(r3[1].outcome, "succeeded");
  EXPECT_NE(r3[0].checksum, r3[1].checksum);  // each row keeps the file it ran
}

TEST_P(CliFailingStep, JsonUpgradeReportsTheFailingStepAndTheExitCode) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  nlohmann::json doc = agent.run_json({"upgrade"}, 5);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["exit_code"], 5);
  EXPECT_TRUE(contains(doc.value("error", ""), "r3_partial.sql:")) << doc.dump();
  ASSERT_TRUE(doc["steps"].is_array());
  ASSERT_EQ(doc["steps"].size(), 3U);
  EXPECT_EQ(doc["steps"][0]["succeeded"], true);
  EXPECT_EQ(doc["steps"][2]["revision"], "r3");
  EXPECT_EQ(doc["steps"][2]["succeeded"], false);
  EXPECT_EQ(strings_of(doc["revisions"]), std::vector<std::string>{"r2"});
}

MAGENT_CLI_ALL_ENGINES(CliFailingStep);

}  // namespace
}  // namespace magent::test
