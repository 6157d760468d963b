// The machine-readable contract scripts rely on (DESIGN.md section 10): every --json output
// parses and carries its documented keys; flags go before or after the verb; flags override
// the environment, which overrides the config file; --help and --version exit 0.
#include <gtest/gtest.h>

#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

using Ids = std::vector<std::string>;

class CliJson : public CliTest {
 protected:
  void SetUp() override {
    m_set.add({.id = "j1", .upgrade = "CREATE TABLE t_j1 (id INTEGER);",
               .downgrade = "DROP TABLE t_j1;", .message = "First"});
    m_set.add({.id = "j2", .down = {"j1"}, .upgrade = "CREATE TABLE t_j2 (id INTEGER);",
               .downgrade = "DROP TABLE t_j2;", .branch_labels = {"main"}, .message = "Second"});
  }
  MigrationSet m_set{m_temp.path() / "migrations"};
};

::testing::AssertionResult has_keys(const nlohmann::json& doc, const Ids& keys) {
  if (!doc.is_object()) return ::testing::AssertionFailure() << "not an object: " << doc.dump();
  for (const auto& key : keys) {
    if (!doc.contains(key)) return ::testing::AssertionFailure() << "no \"" << key << "\" in " << doc.dump();
  }
  return ::testing::AssertionSuccess();
}

TEST_P(CliJson, EveryReadingVerbCarriesItsDocumentedKeys) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());

  nlohmann::json current = agent.run_json({"current"});
  ASSERT_TRUE(has_keys(current, {"revisions"}));
  EXPECT_EQ(strings_of(current["revisions"]), Ids{});

  nlohmann::json heads = agent.run_json({"heads"});
  ASSERT_TRUE(has_keys(heads, {"heads"}));
  EXPECT_EQ(strings_of(heads["heads"]), Ids{"j2"});

  nlohmann::json history = agent.run_json({"history"});
  ASSERT_TRUE(has_keys(history, {"revisions"}));
  ASSERT_EQ(history["revisions"].size(), 2U);
  for (const auto& r : history["revisions"]) {
    EXPECT_TRUE(has_keys(r, {"revision", "down_revisions", "branch_labels", "message", "path"}));
    EXPECT_TRUE(r["down_revisions"].is_array());
    EXPECT_TRUE(r["branch_labels"].is_array());
  }
  EXPECT_EQ(history["revisions"][0]["revision"], "j2");
  EXPECT_EQ(strings_of(history["revisions"][0]["down_revisions"]), Ids{"j1"});
  EXPECT_EQ(strings_of(history["revisions"][0]["branch_labels"]), Ids{"main"});
  EXPECT_EQ(history["revisions"][0]["message"], "Second");
  EXPECT_EQ(history["revisions"][0]["path"], "j2.sql");
  EXPECT_EQ(history["revisions"][1]["down_revisions"], nlohmann::json::array());

  nlohmann::json plan = agent.run_json({"plan"});
  ASSERT_TRUE(has_keys(plan, {"steps"}));
  ASSERT_EQ(plan["steps"].size(), 2U);
  for (const auto& step : plan["steps"]) EXPECT_TRUE(has_keys(step, {"revision", "direction"}));
  EXPECT_EQ(plan["steps"][0]["revision"], "j1");
  EXPECT_EQ(plan["steps"][1]["direction"], "upgrade");

  nlohmann::json behind = agent.run_json({"check"}, 1);
  ASSERT_TRUE(has_keys(behind, {"ok", "drift"}));
  EXPECT_EQ(behind["ok"], false);
  ASSERT_TRUE(behind["drift"].is_array());
  ASSERT_FALSE(behind["drift"].empty());
  EXPECT_EQ(behind["drift"][0]["kind"], "behind");

  nlohmann::json waited = agent.run_json({"wait", "--timeout", "0"}, 1);
  EXPECT_TRUE(has_keys(waited, {"ok"}));
  EXPECT_EQ(waited["ok"], false);

  nlohmann::json up = agent.run_json({"upgrade"});
  EXPECT_TRUE(has_keys(up, {"ok", "steps", "revisions"}));
  EXPECT_EQ(strings_of(up["revisions"]), Ids{"j2"});

  nlohmann::json ok = agent.run_json({"check"});
  ASSERT_TRUE(has_keys(ok, {"ok", "drift"}));
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(ok["drift"], nlohmann::json::array());
  EXPECT_EQ(strings_of(agent.run_json({"current"})["revisions"]), Ids{"j2"});
  EXPECT_EQ(agent.run_json({"wait", "--timeout", "0"})["ok"], true);
  nlohmann::json nothing = agent.run_json({"plan"});
  EXPECT_EQ(nothing["steps"], nlohmann::json::array());
}

TEST_P(CliJson, MutatingVerbsReportTheirStepsAsJson) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  nlohmann::json up = agent.run_json({"upgrade", "j1"});
  ASSERT_TRUE(has_keys(up, {"ok", "steps", "revisions"}));
  ASSERT_EQ(up["steps"].size(), 1U);
  EXPECT_EQ(up["steps"][0]["revision"], "j1");
  EXPECT_EQ(up["steps"][0]["succeeded"], true);

  nlohmann::json down = agent.run_json({"downgrade", "base", "--force"});
  ASSERT_EQ(down["steps"].size(), 1U);
  EXPECT_EQ(down["steps"][0]["direction"], "downgrade");
  EXPECT_EQ(strings_of(down["revisions"]), Ids{});
  nlohmann::json stamp = agent.run_json({"stamp", "j2"});
  ASSERT_EQ(stamp["steps"].size(), 1U);
  EXPECT_EQ(stamp["steps"][0]["direction"], "stamp");
  EXPECT_EQ(strings_of(stamp["revisions"]), Ids{"j2"});
  EXPECT_EQ(version_rows(*db), Ids{"j2"});
  EXPECT_FALSE(has_table(*db, "t_j2"));  // stamped, never run
}

TEST_P(CliJson, GlobalFlagsWorkBeforeAndAfterTheVerb) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const std::string dir = m_set.dir().string();
  const std::vector<std::vector<std::string>> forms = {
      {"--json", "--database-url", db->url(), "--migrations-dir", dir, "heads"},
      {"heads", "--json", "--database-url", db->url(), "--migrations-dir", dir},
      {"--database-url", db->url(), "heads", "--migrations-dir", dir, "--json"},
  };
  for (const auto& args : forms) {
    ProcessResult r = run_agent(args, m_temp.path());
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(strings_of(parse_json_output(r)["heads"]), Ids{"j2"}) << r.out;
  }
  ProcessResult up = run_agent({"upgrade", "j1", "--database-url", db->url(), "--migrations-dir",
                                dir, "--json"},
                               m_temp.path());
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(strings_of(parse_json_output(up)["revisions"]), Ids{"j1"});
  ProcessResult down = run_agent({"downgrade", "--database-url", db->url(), "base", "--force",
                                  "--migrations-dir", dir},
                                 m_temp.path());
  EXPECT_EQ(down.exit_code, 0) << describe(down);
  EXPECT_EQ(version_rows(*db), Ids{});
}

TEST_P(CliJson, FlagsOverrideTheEnvironmentWhichOverridesTheConfigFile) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const auto unusable = m_temp.path() / "no-such-dir" / "x.db";
  const auto config = m_temp.write("agent.toml", "[database]\nurl = \"sqlite:///" +
                                                     unusable.string() + "\"\n[migrations]\ndir = \"" +
                                                     (m_temp.path() / "nowhere").string() + "\"\n");
  ProcessOptions options = agent_options(m_temp.path());
  options.env["MIGRATION_AGENT_CONFIG"] = config.string();
  const std::string bin = agent_binary();

  // The file alone: its database is unusable.
  EXPECT_EQ(run_process({bin, "current"}, options).exit_code, 3);
  // The environment wins over the file.
  options.env["DATABASE_URL"] = db->url();
  options.env["MIGRATIONS_DIR"] = m_set.dir().string();
  ProcessResult from_env = run_process({bin, "--json", "heads"}, options);
  ASSERT_EQ(from_env.exit_code, 0) << describe(from_env);
  EXPECT_EQ(run_process({bin, "upgrade"}, options).exit_code, 0);
  EXPECT_EQ(version_rows(*db), Ids{"j2"});
  // A flag wins over the environment.
  options.env["DATABASE_URL"] = "sqlite:///" + unusable.string();
  ProcessResult from_flag = run_process({bin, "--json", "--database-url", db->url(), "current"}, options);
  ASSERT_EQ(from_flag.exit_code, 0) << describe(from_flag);
  EXPECT_EQ(strings_of(parse_json_output(from_flag)["revisions"]), Ids{"j2"});
}

TEST(CliHelp, HelpAndVersionExitZeroForTheProgramAndEveryVerb) {
  TempDir temp;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"--version"}, {"current", "--help"}, {"heads", "--help"},
           {"history", "--help"}, {"plan", "--help"}, {"check", "--help"}, {"upgrade", "--help"},
           {"downgrade", "--help"}, {"stamp", "--help"}, {"wait", "--help"}}) {
    ProcessResult r = run_agent(args, temp.path());
    EXPECT_EQ(r.exit_code, 0) << args.front() << " " << args.back() << ": " << describe(r);
    EXPECT_FALSE(r.out.empty()) << args.front();
    EXPECT_EQ(r.err, "") << args.front();
  }
  ProcessResult help = run_agent({"--help"}, temp.path());
  for (const char* verb : {"current", "heads", "history", "plan", "check", "upgrade", "downgrade",
                           "stamp", "wait"}) {
    EXPECT_TRUE(contains(help.out, verb)) << verb;
  }
  EXPECT_TRUE(contains(run_agent({"downgrade", "--help"}, temp.path()).out, "--force"));
  EXPECT_TRUE(contains(run_agent({"stamp", "--help"}, temp.path()).out, "--purge"));
}

MAGENT_CLI_ALL_ENGINES(CliJson);

}  // namespace
}  // namespace magent::test
