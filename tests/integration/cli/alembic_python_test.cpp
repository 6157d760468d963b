// A NOW LMS-shaped directory of Alembic .py revisions (tests/data/now_lms_alembic): timestamp
// ids, a unix-time base id labelled "default", typed annotations, both quote styles, and file
// names that sort against the chain. The expected answers are Alembic 1.8's own
// (ScriptDirectory.get_heads / walk_revisions / get_revision("default@head")).
#include <gtest/gtest.h>

#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

using Ids = std::vector<std::string>;

class CliAlembicPython : public ::testing::Test {
 protected:
  std::filesystem::path dir() const {
    return std::filesystem::path(source_dir()) / "tests" / "data" / "now_lms_alembic";
  }
  AgentRunner agent() const {
    return AgentRunner("sqlite:///" + (m_temp.path() / "app.db").string(), dir(), m_temp.path());
  }
  TempDir m_temp;
};

TEST_F(CliAlembicPython, HeadsIsTheEndOfTheChainNotTheLastFileName) {
  nlohmann::json doc = agent().run_json({"heads"});
  EXPECT_EQ(strings_of(doc["heads"]), Ids{"20260125_120000"});
}

TEST_F(CliAlembicPython, HistoryIsNewestFirstWithDownRevisionsLabelsMessagesAndPaths) {
  nlohmann::json doc = agent().run_json({"history"});
  ASSERT_TRUE(doc["revisions"].is_array()) << doc.dump();
  struct Expected {
    std::string revision;
    Ids down;
    std::string message, path;
  };
  const std::vector<Expected> expected = {
      {"20260125_120000", {"20260110_035505"}, "Add phone field to users",
       "0001_add_usuario_telefono.py"},
      {"20260110_035505", {"20260101_000000"}, "Add cover image to blog_post",
       "a_blog_post_cover.py"},
      {"20260101_000000", {"1736000000"}, "Create curso table", "c_create_curso.py"},
      {"1736000000", {}, "Initial schema", "zz_initial_schema.py"},
  };
  ASSERT_EQ(doc["revisions"].size(), expected.size()) << doc.dump(2);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const nlohmann::json& r = doc["revisions"][i];
    SCOPED_TRACE(expected[i].revision);
    EXPECT_EQ(r.value("revision", ""), expected[i].revision);
    EXPECT_EQ(strings_of(r["down_revisions"]), expected[i].down);
    // Alembic propagates a branch label to every descendant of the revision carrying it.
    EXPECT_EQ(strings_of(r["branch_labels"]), Ids{"default"});
    EXPECT_EQ(r.value("message", ""), expected[i].message);
    EXPECT_EQ(r.value("path", ""), expected[i].path);
  }
}

TEST_F(CliAlembicPython, DefaultAtHeadPlansTheWholeChainInLinkOrder) {
  nlohmann::json doc = agent().run_json({"plan", "default@head"});
  ASSERT_TRUE(doc["steps"].is_array()) << doc.dump();
  Ids order;
  for (const auto& step : doc["steps"]) {
    EXPECT_EQ(step.value("direction", ""), "upgrade");
    order.push_back(step.value("revision", ""));
  }
  EXPECT_EQ(order, (Ids{"1736000000", "20260101_000000", "20260110_035505", "20260125_120000"}));
  nlohmann::json partial = agent().run_json({"plan", "default@+2"});
  EXPECT_EQ(partial["steps"].size(), 2U) << partial.dump();
  nlohmann::json by_prefix = agent().run_json({"plan", "173600"});  // a unique partial id
  EXPECT_EQ(by_prefix["steps"].size(), 1U) << by_prefix.dump();
}

TEST_F(CliAlembicPython, UpgradeWithoutARunnerExitsFiveSayingSoAndAppliesNothing) {
  AgentRunner a = agent();
  ProcessResult up = a.run({"upgrade"});
  EXPECT_EQ(up.exit_code, 5) << describe(up);
  EXPECT_TRUE(one_line(up.err));
  EXPECT_TRUE(contains(up.err, "zz_initial_schema.py")) << up.err;
  EXPECT_TRUE(contains(up.err, "[runner] command")) << up.err;
  EXPECT_EQ(current_revisions(a), Ids{});
  ProcessResult rows = run_process(
      {"/usr/bin/sqlite3", (m_temp.path() / "app.db").string(),
       "SELECT COUNT(*) FROM migration_agent_log WHERE outcome = 'succeeded'"});
  EXPECT_EQ(rows.out, "0\n") << rows.err;
  ProcessResult tables = run_process({"/usr/bin/sqlite3", (m_temp.path() / "app.db").string(),
                                      "SELECT name FROM sqlite_master WHERE name = 'usuario'"});
  EXPECT_EQ(tables.out, "");
}

}  // namespace
}  // namespace magent::test
