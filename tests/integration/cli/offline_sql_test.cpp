// `migration-agent upgrade|downgrade --sql` against `alembic upgrade|downgrade --sql` on the
// same graphs (the agent reading .sql revisions, Alembic equivalent op.execute() revisions):
// a chain, a branch (with a depends_on) and a merge, on each dialect. Offline: no server.
#include <gtest/gtest.h>

#include "tests/support/alembic_project.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

struct Node {
  std::string id;
  std::vector<std::string> down = {};
  std::vector<std::string> depends_on = {};
};

std::vector<std::string> upgrade_statements(const std::string& id) {
  return {"CREATE TABLE t_" + id + " (\n\tid INTEGER NOT NULL,\n\tname VARCHAR(20)\n)",
          "INSERT INTO t_" + id + " (id, name) VALUES (1, 'it''s " + id + "')"};
}

std::vector<std::string> downgrade_statements(const std::string& id) {
  return {"DROP TABLE t_" + id};
}

std::string sql_text(const Node& n) {
  std::string text = "-- revision: " + n.id + "\n-- down_revision: ";
  std::string down;
  for (const auto& d : n.down) down += (down.empty() ? "" : ", ") + d;
  text += (down.empty() ? "none" : down) + "\n";
  if (!n.depends_on.empty()) text += "-- depends_on: " + n.depends_on.front() + "\n";
  text += "-- message: Revision " + n.id + "\n\n-- +upgrade\n";
  for (const auto& s : upgrade_statements(n.id)) text += s + ";\n";
  text += "\n-- +downgrade\n";
  for (const auto& s : downgrade_statements(n.id)) text += s + ";\n";
  return text;
}

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<std::string> upgrades;    // [FROM:]TO
  std::vector<std::string> downgrades;  // FROM:TO
};

const std::vector<Graph>& graphs() {
  static const std::vector<Graph> all = {
      {"chain",
       {{"a1"}, {"b1", {"a1"}}, {"c1", {"b1"}}},
       {"heads", "a1:c1", "b1:heads"},
       {"c1:base", "c1:a1"}},
      {"branch",
       {{"a1"}, {"b1", {"a1"}}, {"c1", {"a1"}}, {"d1", {"c1"}, {"b1"}}},
       {"heads", "a1:d1", "b1:d1", "c1:heads"},
       {"d1:a1", "b1:base"}},
      {"merge",
       {{"a1"}, {"b1", {"a1"}}, {"c1", {"a1"}}, {"m1", {"b1", "c1"}}, {"n1", {"m1"}}},
       {"heads", "a1:m1", "m1:heads"},
       {"n1:base", "m1:b1", "n1:a1"}},
  };
  return all;
}

// The agent's URL and Alembic's offline URL for one dialect.
std::pair<std::string, std::string> urls(Engine engine, const TempDir& temp) {
  switch (engine) {
    case Engine::sqlite:
      return {"sqlite:///" + (temp.path() / "never-opened.db").string(), "sqlite://"};
    case Engine::postgresql:
      return {"postgresql://app@127.0.0.1:1/never", "postgresql://"};
    case Engine::mysql:
      return {"mysql+pymysql://app@127.0.0.1:1/never", "mysql+pymysql://"};
  }
  return {};
}

class CliOfflineSql : public CliTest {};

TEST_P(CliOfflineSql, PrintsWhatAlembicsOfflineModePrints) {
  for (const Graph& g : graphs()) {
    SCOPED_TRACE(g.name);
    TempDir temp;
    MigrationSet set(temp.path() / "sql");
    const auto [agent_url, alembic_url] = urls(GetParam(), temp);
    AlembicProject alembic(temp.path() / "alembic", alembic_url);
    for (const Node& n : g.nodes) {
      set.write(n.id + ".sql", sql_text(n));
      alembic.add({.id = n.id,
                   .down = n.down,
                   .depends_on = n.depends_on,
                   .upgrade = upgrade_statements(n.id),
                   .downgrade = downgrade_statements(n.id)});
    }
    AgentRunner agent(agent_url, set.dir(), temp.path());
    auto compare = [&](const std::string& verb, const std::string& range) {
      SCOPED_TRACE(verb + " --sql " + range);
      ProcessResult ours = agent.run({verb, "--sql", range});
      ProcessResult theirs = alembic.run({verb, "--sql", range});
      ASSERT_EQ(ours.exit_code, 0) << describe(ours);
      EXPECT_EQ(ours.out, theirs.out);
      EXPECT_EQ(ours.err, "");
    };
    for (const auto& range : g.upgrades) compare("upgrade", range);
    for (const auto& range : g.downgrades) compare("downgrade", range);
  }
}

TEST_P(CliOfflineSql, NeedsNoDatabaseAndDefaultsToBase) {
  const auto [agent_url, alembic_url] = urls(GetParam(), m_temp);
  MigrationSet set(m_temp.path() / "sql");
  set.write("a1.sql", sql_text({"a1"}));
  AgentRunner agent(agent_url, set.dir(), m_temp.path());
  ProcessResult r = agent.run({"upgrade", "--sql"});  // the database does not exist
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "-- Running upgrade  -> a1\n")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(m_temp.path() / "never-opened.db"));
}

TEST_P(CliOfflineSql, DowngradeNeedsARangeAndPythonRevisionsAreNamed) {
  const auto [agent_url, alembic_url] = urls(GetParam(), m_temp);
  MigrationSet set(m_temp.path() / "sql");
  set.write("a1.sql", sql_text({"a1"}));
  set.write("b1.py", "revision = \"b1\"\ndown_revision = \"a1\"\n");
  AgentRunner agent(agent_url, set.dir(), m_temp.path());
  ProcessResult no_range = agent.run({"downgrade", "--sql", "base"});
  EXPECT_EQ(no_range.exit_code, 2) << describe(no_range);
  EXPECT_TRUE(contains(no_range.err, "downgrade with --sql requires <fromrev>:<torev>"));
  ProcessResult py = agent.run({"upgrade", "--sql", "heads"});
  EXPECT_EQ(py.exit_code, 2) << describe(py);
  EXPECT_TRUE(one_line(py.err));
  EXPECT_TRUE(contains(py.err, "b1 (b1.py)")) << py.err;
  EXPECT_TRUE(contains(py.err, "alembic upgrade --sql")) << py.err;
  ProcessResult sql_only = agent.run({"upgrade", "--sql", "a1"});
  EXPECT_EQ(sql_only.exit_code, 0) << describe(sql_only);
}

MAGENT_CLI_ALL_ENGINES(CliOfflineSql);

}  // namespace
}  // namespace magent::test
