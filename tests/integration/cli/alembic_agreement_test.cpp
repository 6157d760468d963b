// The agent and Alembic (Debian's python3-alembic, real CLI) on one database, a graph with a
// branch point, a merge point and a depends_on: each reads what the other wrote, `current`,
// `heads` and `check` agree with Alembic, and after the agent upgrades, downgrades across
// the merge or stamps, `alembic upgrade heads` has exactly the remaining steps to do.
// The agent reads .sql revisions; Alembic the same graph as op.execute() revisions.
#include <gtest/gtest.h>

#include "tests/support/alembic_project.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

using Ids = std::vector<std::string>;

struct Node {
  std::string id;
  Ids down = {};
  Ids depends_on = {};
};

// a1 -> b1, a1 -> c1 (branch point a1); d1 (after c1, depends on b1); m1 merges b1 and d1;
// e1 after m1.
const std::vector<Node>& graph() {
  static const std::vector<Node> nodes = {
      {"a1"},        {"b1", {"a1"}}, {"c1", {"a1"}}, {"d1", {"c1"}, {"b1"}}, {"m1", {"b1", "d1"}},
      {"e1", {"m1"}}};
  return nodes;
}

// The revisions Alembic ran ("upgrade a1 -> c1, ..." -> "c1"), in order.
Ids applied(const ProcessResult& r) {
  Ids out;
  for (const std::string& line : AlembicProject::running_lines(r)) {
    const auto arrow = line.find("-> ");
    out.push_back(line.substr(arrow + 3, line.find(',', arrow) - arrow - 3));
  }
  return out;
}

class CliAlembicAgreement : public CliTest {
 protected:
  void prepare(const TestDatabase& db) {
    m_alembic.emplace(m_temp.path() / "app", db.url());
    MigrationSet set(m_temp.path() / "sql");
    for (const Node& n : graph()) {
      std::string down;
      for (const auto& d : n.down) down += (down.empty() ? "" : ", ") + d;
      set.write(n.id + ".sql",
                "-- revision: " + n.id + "\n-- down_revision: " + (down.empty() ? "none" : down) +
                    "\n" +
                    (n.depends_on.empty() ? "" : "-- depends_on: " + n.depends_on[0] + "\n") +
                    "-- +upgrade\nCREATE TABLE t_" + n.id +
                    " (id INTEGER);\n"
                    "-- +downgrade\nDROP TABLE t_" +
                    n.id + ";\n");
      m_alembic->add({.id = n.id,
                      .down = n.down,
                      .depends_on = n.depends_on,
                      .upgrade = {"CREATE TABLE t_" + n.id + " (id INTEGER)"},
                      .downgrade = {"DROP TABLE t_" + n.id}});
    }
    m_agent.emplace(sqlalchemy_form(db.url()), set.dir(), m_temp.path());
  }
  // The rows of alembic_version: what the agent reads equals the table, and what it shows
  // as current (rows plus applied dependencies) equals `alembic current`. Returns the rows.
  Ids agreed_current(const TestDatabase& db) {
    nlohmann::json doc = m_agent->run_json({"current"});
    EXPECT_EQ(strings_of(doc["revisions"]), version_rows(db));
    EXPECT_EQ(strings_of(doc["current"]), m_alembic->current());
    return strings_of(doc["revisions"]);
  }
  // What `check --json` says is pending, in order.
  Ids pending() {
    nlohmann::json doc = parse_json_output(m_agent->run({"--json", "check"}));
    return doc.is_object() ? strings_of(doc["pending"], false) : Ids{"<no json>"};
  }
  // What `plan --json` would apply, in order.
  Ids planned() {
    nlohmann::json doc = m_agent->run_json({"plan"});
    Ids out;
    for (const auto& step : doc["steps"]) out.push_back(step.value("revision", ""));
    return out;
  }
  int agent(const std::vector<std::string>& args) {
    ProcessResult r = m_agent->run(args);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    return r.exit_code;
  }

  std::optional<AlembicProject> m_alembic;
  std::optional<AgentRunner> m_agent;
};

TEST_P(CliAlembicAgreement, TheAgentReadsWhatAlembicWroteAndPredictsItsNextSteps) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  nlohmann::json heads = m_agent->run_json({"heads"});
  EXPECT_EQ(strings_of(heads["heads"]), m_alembic->heads());
  EXPECT_EQ(strings_of(heads["heads"]), Ids{"e1"});

  m_alembic->run({"upgrade", "c1"});
  EXPECT_EQ(agreed_current(*db), Ids{"c1"});
  m_alembic->run({"upgrade", "b1"});  // the second branch: Alembic inserts a row
  EXPECT_EQ(agreed_current(*db), (Ids{"b1", "c1"}));
  m_alembic->run({"upgrade", "d1"});  // d1 depends on b1: b1's row goes, Alembic still shows it
  EXPECT_EQ(agreed_current(*db), Ids{"d1"});
  EXPECT_EQ(m_alembic->current(), (Ids{"b1", "d1"}));

  // What the agent says is pending is exactly what Alembic then runs, in its order.
  const Ids expected = pending();
  EXPECT_EQ(m_agent->run({"check"}).exit_code, 1);
  EXPECT_EQ(planned(), expected);
  ProcessResult up = m_alembic->run({"upgrade", "heads"});
  EXPECT_EQ(applied(up), expected) << up.err;
  EXPECT_EQ(agreed_current(*db), Ids{"e1"});
  ProcessResult check = m_agent->run({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
}

TEST_P(CliAlembicAgreement, AlembicReadsWhatTheAgentWroteAcrossTheMergeAndStamps) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  agent({"upgrade", "d1"});
  EXPECT_EQ(agreed_current(*db), Ids{"d1"});
  agent({"upgrade"});  // across the merge point
  EXPECT_EQ(agreed_current(*db), Ids{"e1"});
  EXPECT_EQ(applied(m_alembic->run({"upgrade", "heads"})), Ids{});  // nothing left to do

  // Back across the merge. (Not `downgrade b1`: Alembic leaves b1 and d1, from which neither
  // it nor the agent can plan `upgrade heads`: "d1 overlaps with ... b1".)
  agent({"downgrade", "c1"});
  EXPECT_EQ(agreed_current(*db), (Ids{"b1", "c1"}));
  const Ids remaining = planned();
  ASSERT_FALSE(remaining.empty());
  EXPECT_EQ(applied(m_alembic->run({"upgrade", "heads"})), remaining);
  EXPECT_EQ(agreed_current(*db), Ids{"e1"});

  agent({"stamp", "c1", "--purge"});
  EXPECT_EQ(agreed_current(*db), Ids{"c1"});
  agent({"stamp", "b1"});  // a second branch by stamp: Alembic's INSERT
  EXPECT_EQ(agreed_current(*db), (Ids{"b1", "c1"}));
  agent({"stamp", "heads", "--purge"});
  EXPECT_EQ(agreed_current(*db), Ids{"e1"});
  EXPECT_EQ(applied(m_alembic->run({"upgrade", "heads"})), Ids{});
  EXPECT_EQ(m_agent->run({"check"}).exit_code, 0);
}

MAGENT_CLI_ALL_ENGINES(CliAlembicAgreement);

}  // namespace
}  // namespace magent::test
