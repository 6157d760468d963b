#include "agent/core/runner_batch.hpp"

#include <gtest/gtest.h>

#include "agent/core/planner.hpp"
#include "tests/support/graph_builder.hpp"

namespace magent::core {
namespace {

using Ids = std::vector<std::string>;

// A graph whose revisions named p* are Alembic .py files and the others .sql files.
RevisionGraph mixed(const std::vector<test::RevSpec>& specs) {
  std::vector<Revision> revs = test::revisions(specs);
  for (Revision& r : revs) {
    if (r.id.front() == 'p') {
      r.kind = FileKind::python;
      r.path = r.id + ".py";
    }
  }
  return std::move(*RevisionGraph::build(std::move(revs)).graph);
}

Plan upgrade(const RevisionGraph& g, const Ids& current, const std::string& target) {
  auto plan = plan_upgrade(g, current, target);
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan.ok() ? *plan : Plan{};
}

Plan downgrade(const RevisionGraph& g, const Ids& current, const std::string& target) {
  auto plan = plan_downgrade(g, current, target);
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan.ok() ? *plan : Plan{};
}

TEST(RunnerBatch, ConsecutivePyStepsRunTogetherUpToTheNextSqlStep) {
  RevisionGraph g = mixed({{"s1"}, {"p1", {"s1"}}, {"p2", {"p1"}}, {"s2", {"p2"}}, {"p3", {"s2"}}});
  Plan plan = upgrade(g, {}, "heads");
  ASSERT_EQ(plan.steps.size(), 5U);
  auto batch = next_runner_batch(g, plan, 1, {"s1"}, RunnerTarget::given);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->first, 1U);
  EXPECT_EQ(batch->last, 2U);
  EXPECT_EQ(batch->target, "p2");
  EXPECT_EQ(batch->rows_after, (std::vector<Ids>{{"p1"}, {"p2"}}));
  auto last = next_runner_batch(g, plan, 4, {"s2"}, RunnerTarget::given);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->last, 4U);
  EXPECT_EQ(last->target, "p3");
}

TEST(RunnerBatch, TwoBranchesFromABaseAreOneCallToTheHeads) {
  RevisionGraph g = mixed({{"proot"}, {"pleft", {"proot"}}, {"pright", {"proot"}}});
  Plan plan = upgrade(g, {}, "heads");
  auto batch = next_runner_batch(g, plan, 0, {}, RunnerTarget::given);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->last, 2U);
  EXPECT_EQ(batch->target, "heads");
  EXPECT_EQ(batch->rows_after.back(), (Ids{"pleft", "pright"}));
}

TEST(RunnerBatch, ABatchNoTargetExpressesIsSplit) {
  // proot, then one branch; a .sql revision on the other branch is planned last, so the
  // .py steps cannot all be reached with "heads" and are split at the branch.
  RevisionGraph g =
      mixed({{"proot"}, {"pleft", {"proot"}}, {"pright", {"proot"}}, {"sql9", {"pright"}}});
  Plan plan = upgrade(g, {}, "heads");
  ASSERT_EQ(plan.steps.size(), 4U);
  Ids rows;
  for (std::size_t i = 0; i < plan.steps.size();) {
    if (plan.steps[i].revision->kind == FileKind::sql) {
      rows = rows_after_ops(rows, plan.steps[i].version_ops);
      ++i;
      continue;
    }
    auto batch = next_runner_batch(g, plan, i, rows, RunnerTarget::given);
    ASSERT_TRUE(batch.ok()) << batch.error().message;
    Plan check = upgrade(g, rows, batch->target);  // what Alembic would do with that target
    EXPECT_EQ(check.steps.size(), batch->last - batch->first + 1) << batch->target;
    rows = batch->rows_after.back();
    i = batch->last + 1;
  }
  EXPECT_EQ(rows, (Ids{"pleft", "sql9"}));
}

TEST(RunnerBatch, DowngradeTargetIsWhereTheRowsEnd) {
  RevisionGraph g = mixed({{"p1"}, {"p2", {"p1"}}, {"p3", {"p2"}}});
  Plan plan = downgrade(g, {"p3"}, "p1");
  auto batch = next_runner_batch(g, plan, 0, {"p3"}, RunnerTarget::given);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->last, 1U);
  EXPECT_EQ(batch->target, "p1");
  Plan to_base = downgrade(g, {"p3"}, "base");
  auto all = next_runner_batch(g, to_base, 0, {"p3"}, RunnerTarget::given);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->last, 2U);
  EXPECT_EQ(all->target, "base");
  EXPECT_EQ(all->rows_after.back(), Ids{});
}

TEST(RunnerBatch, DowngradeThroughAMergePoint) {
  RevisionGraph g = mixed({{"pa"}, {"pb", {"pa"}}, {"pc", {"pa"}}, {"pm", {"pb", "pc"}}});
  Plan plan = downgrade(g, {"pm"}, "pb");
  auto batch = next_runner_batch(g, plan, 0, {"pm"}, RunnerTarget::given);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch->last + 1, plan.steps.size());
  Plan check = downgrade(g, {"pm"}, batch->target);
  EXPECT_EQ(check.steps.size(), plan.steps.size());
}

TEST(RunnerBatch, ACommandWithoutTargetOnlyServesAnUpgradeToTheHeads) {
  RevisionGraph g = mixed({{"p1"}, {"p2", {"p1"}}});
  Plan all = upgrade(g, {}, "heads");
  auto ok = next_runner_batch(g, all, 0, {}, RunnerTarget::heads_only);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->target, "heads");
  Plan part = upgrade(g, {}, "p1");
  auto refused = next_runner_batch(g, part, 0, {}, RunnerTarget::heads_only);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("{target}"), std::string::npos);
}

TEST(RunnerBatch, AlembicsLastRunningLineNamesTheStepItStoppedIn) {
  const std::string output =
      "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n"
      "INFO  [alembic.runtime.migration] Running upgrade  -> p1, first one\n"
      "INFO  [alembic.runtime.migration] Running upgrade p1 -> p2, says -> and, commas\n"
      "hanging now\n";
  EXPECT_EQ(last_running_revision(output, Direction::upgrade), "p2");
  EXPECT_EQ(last_running_revision(output, Direction::downgrade), "");
  EXPECT_EQ(last_running_revision("INFO Running upgrade a, b -> merge1\r\n", Direction::upgrade),
            "merge1");
  EXPECT_EQ(last_running_revision("Running downgrade merge1 -> a, b, Merge\n"
                                  "Running downgrade a -> , First\n",
                                  Direction::downgrade),
            "a");
  EXPECT_EQ(last_running_revision("no alembic logging here\n", Direction::upgrade), "");
  // A line cut off before its arrow is skipped for the one before it.
  EXPECT_EQ(last_running_revision("Running upgrade  -> p1\nRunning upgrade p1", Direction::upgrade),
            "p1");
}

TEST(RunnerBatch, BatchIndexOfFindsOnlyTheBatchsOwnSteps) {
  RevisionGraph g = mixed({{"s1"}, {"p1", {"s1"}}, {"p2", {"p1"}}, {"s2", {"p2"}}, {"p3", {"s2"}}});
  Plan plan = upgrade(g, {}, "heads");
  auto batch = next_runner_batch(g, plan, 1, {"s1"}, RunnerTarget::given);
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_EQ(batch_index_of(plan, *batch, "p1"), std::optional<std::size_t>(0));
  EXPECT_EQ(batch_index_of(plan, *batch, "p2"), std::optional<std::size_t>(1));
  EXPECT_EQ(batch_index_of(plan, *batch, "s1"), std::nullopt);
  EXPECT_EQ(batch_index_of(plan, *batch, "p3"), std::nullopt);
  EXPECT_EQ(batch_index_of(plan, *batch, ""), std::nullopt);
}

}  // namespace
}  // namespace magent::core
