// A graph with a branch point, two labelled branches and a merge point, walked with absolute,
// relative and label-relative targets, then stamped; every engine must end each command at
// the rows Alembic 1.8 itself gives for the same sequence (worked out with python3-alembic).
#include <gtest/gtest.h>

#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

using Rows = std::vector<std::string>;

//   a -> b -> c1 (left) -> d1 -> m
//         \-> c2 (right) -------/
class CliBranches : public CliTest {
 protected:
  void SetUp() override {
    add("a", {});
    add("b", {"a"});
    add("c1", {"b"}, {"left"});
    add("d1", {"c1"});
    add("c2", {"b"}, {"right"});
    add("m", {"d1", "c2"});
  }
  void add(const std::string& id, std::vector<std::string> down,
           std::vector<std::string> labels = {}) {
    m_set.add({.id = id, .down = std::move(down),
               .upgrade = "CREATE TABLE t_" + id + " (id INTEGER);",
               .downgrade = "DROP TABLE t_" + id + ";", .branch_labels = std::move(labels)});
  }
  static Rows tables(const Rows& revisions) {
    Rows out;
    for (const auto& r : revisions) out.push_back("t_" + r);
    std::sort(out.begin(), out.end());
    return out;
  }

  MigrationSet m_set{m_temp.path() / "migrations"};
};

struct Move {
  std::vector<std::string> args;
  Rows rows;    // alembic_version afterwards, sorted
  Rows tables;  // revisions whose tables exist afterwards
};

TEST_P(CliBranches, EveryMoveEndsAtTheRowsAlembicGives) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  nlohmann::json heads = agent.run_json({"heads"});
  EXPECT_EQ(strings_of(heads["heads"]), Rows{"m"});

  const std::vector<Move> moves = {
      {{"upgrade", "d1"}, {"d1"}, {"a", "b", "c1", "d1"}},
      {{"downgrade", "-1"}, {"c1"}, {"a", "b", "c1"}},
      {{"upgrade", "c2"}, {"c1", "c2"}, {"a", "b", "c1", "c2"}},  // a second branch: INSERT
      {{"downgrade", "right@-1"}, {"c1"}, {"a", "b", "c1"}},
      {{"upgrade", "right@+1"}, {"c1", "c2"}, {"a", "b", "c1", "c2"}},
      {{"downgrade", "left@-1"}, {"c2"}, {"a", "b", "c2"}},
      {{"upgrade", "heads"}, {"m"}, {"a", "b", "c1", "c2", "d1", "m"}},  // merge: DELETE+UPDATE
      {{"downgrade", "c1"}, {"c1", "c2"}, {"a", "b", "c1", "c2"}},  // unmerge: UPDATE+INSERT
      {{"upgrade", "heads"}, {"m"}, {"a", "b", "c1", "c2", "d1", "m"}},
      {{"downgrade", "b"}, {"b"}, {"a", "b"}},  // to the branch point, absolute
      {{"upgrade", "c2"}, {"c2"}, {"a", "b", "c2"}},
      {{"upgrade", "left@+2"}, {"c2", "d1"}, {"a", "b", "c1", "c2", "d1"}},
      {{"downgrade", "c2@-1"}, {"d1"}, {"a", "b", "c1", "d1"}},  // DELETE of a branch's base
      {{"downgrade", "left@-2"}, {"b"}, {"a", "b"}},  // to the branch point, relative
      {{"stamp", "c1", "c2"}, {"c1", "c2"}, {"a", "b"}},
      {{"stamp", "--purge", "a"}, {"a"}, {"a", "b"}},
      {{"stamp", "heads"}, {"m"}, {"a", "b"}},
  };
  int upgrades = 0, downgrades = 0, stamps = 0;
  for (const Move& move : moves) {
    std::string command;
    for (const auto& a : move.args) command += a + " ";
    SCOPED_TRACE(command);
    ProcessResult r = agent.run(move.args);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(current_revisions(agent), move.rows);
    EXPECT_EQ(version_rows(*db), move.rows);
    EXPECT_EQ(user_tables(*db), tables(move.tables));
  }
  for (const LedgerRow& row : ledger_rows(*db)) {
    EXPECT_EQ(row.outcome, "succeeded") << row.revision;
    upgrades += row.direction == "upgrade";
    downgrades += row.direction == "downgrade";
    stamps += row.direction == "stamp";
  }
  EXPECT_EQ(upgrades, 14);
  EXPECT_EQ(downgrades, 12);
  EXPECT_EQ(stamps, 3);
}

TEST_P(CliBranches, PlanShowsBothBranchesAndTheMergeInOrder) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade", "b"}).exit_code, 0);
  nlohmann::json plan = agent.run_json({"plan"});
  ASSERT_TRUE(plan["steps"].is_array());
  Rows order;
  for (const auto& step : plan["steps"]) {
    EXPECT_EQ(step["direction"], "upgrade");
    order.push_back(step.value("revision", "?"));
  }
  ASSERT_EQ(order.size(), 4U);
  EXPECT_EQ(order.back(), "m");
  auto at = [&](const std::string& id) { return std::find(order.begin(), order.end(), id); };
  EXPECT_LT(at("c1"), at("d1"));
  EXPECT_NE(at("c2"), order.end());
  EXPECT_EQ(version_rows(*db), Rows{"b"});  // planning changed nothing
}

MAGENT_CLI_ALL_ENGINES(CliBranches);

}  // namespace
}  // namespace magent::test
