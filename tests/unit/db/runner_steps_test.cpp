// The migrator with .py revisions, renamed ids and a baseline, on SQLite, with a fake
// runner standing in for Alembic (it moves alembic_version over its own connection, as
// Alembic would). The real Alembic runs in tests/integration/cli/runner_test.cpp.
#include <gtest/gtest.h>

#include "agent/core/planner.hpp"
#include "agent/db/connect.hpp"
#include "agent/db/ledger.hpp"
#include "agent/db/migrator.hpp"
#include "agent/db/version_store.hpp"
#include "agent/platform/migration_directory.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using Ids = std::vector<std::string>;

std::string sql_file(const std::string& id, const std::string& down) {
  return "-- revision: " + id + "\n-- down_revision: " + (down.empty() ? "none" : down) +
         "\n-- +upgrade\nCREATE TABLE t_" + id + " (id INTEGER);\n-- +downgrade\nDROP TABLE t_" +
         id + ";\n";
}

std::string py_file(const std::string& id, const std::string& down) {
  return "\"\"\"Revision " + id + "\"\"\"\nrevision = \"" + id +
         "\"\ndown_revision = " + (down.empty() ? "None" : "\"" + down + "\"") + "\n";
}

// Alembic, simulated: plans `target` from the rows it finds and applies the row changes
// (stopping before `fail_at`, as a failing upgrade() does).
class FakeAlembic final : public StepRunner {
 public:
  FakeAlembic(std::string path, const core::RevisionGraph& graph)
      : m_path(std::move(path)), m_graph(graph) {}

  core::Result<RunnerOutcome> run(const std::string& target, core::Direction direction) override {
    calls.push_back(target + ":" + std::string(core::to_string(direction)));
    auto db = open_database(test::sqlite_options(m_path));
    if (!db) return db.error();
    auto state = read_versions(**db, {});
    auto plan = direction == core::Direction::upgrade
                    ? core::plan_upgrade(m_graph, state->revisions, target)
                    : core::plan_downgrade(m_graph, state->revisions, target);
    if (!plan) return RunnerOutcome{false, "the runner exited with status 1", plan.error().message};
    (void)ensure_version_table(**db, {});
    for (const core::Step& step : plan->steps) {
      if (step.revision->id == fail_at) {
        return RunnerOutcome{false, "the runner exited with status 1",
                             "Traceback (most recent call last):\nRuntimeError: boom\n"};
      }
      if (!move_nothing) (void)apply_version_ops(**db, {}, step.version_ops);
    }
    return RunnerOutcome{true, "", "INFO  [alembic] done\n"};
  }
  bool has_command(core::Direction) const override { return true; }
  bool takes_target() const override { return true; }

  std::vector<std::string> calls;
  std::string fail_at;
  bool move_nothing = false;

 private:
  std::string m_path;
  const core::RevisionGraph& m_graph;
};

class RunnerSteps : public ::testing::Test {
 protected:
  void load(const std::vector<std::pair<std::string, std::string>>& files) {
    for (const auto& [name, text] : files) m_dir.write("migrations/" + name, text);
    auto loaded = platform::load_revision_graph((m_dir.path() / "migrations").string());
    ASSERT_TRUE(loaded.graph != nullptr)
        << (loaded.problems.empty() ? "" : loaded.problems[0].message);
    m_graph = *loaded.graph;
    m_runner = std::make_unique<FakeAlembic>(path(), m_graph);
    m_settings.runner = m_runner.get();
    auto db = open_database(test::sqlite_options(path()));
    ASSERT_TRUE(db.ok());
    m_db = std::move(*db);
  }
  // s1 (.sql) -> p1 -> p2 (.py) -> s2 (.sql) -> p3 (.py)
  void load_mixed() {
    load({{"s1.sql", sql_file("s1", "")},
          {"p1.py", py_file("p1", "s1")},
          {"p2.py", py_file("p2", "p1")},
          {"s2.sql", sql_file("s2", "p2")},
          {"p3.py", py_file("p3", "s2")}});
  }
  std::string path() const { return (m_dir.path() / "app.db").string(); }
  core::Result<MigrateOutcome> upgrade(std::string target = "heads") {
    MigrateRequest request;
    request.targets = {std::move(target)};
    return migrate(*m_db, m_graph, request, m_settings, m_clock, {}, &m_outcome);
  }
  Ids rows() { return read_versions(*m_db, {})->revisions; }
  std::vector<LedgerEntry> ledger() {
    auto recent = read_recent(*m_db, {}, 100);
    std::vector<LedgerEntry> out(recent->rbegin(), recent->rend());
    return out;
  }

  test::TempDir m_dir;
  core::RevisionGraph m_graph;
  std::unique_ptr<FakeAlembic> m_runner;
  std::unique_ptr<Database> m_db;
  MigrateSettings m_settings;
  MigrateOutcome m_outcome;
  test::FakeClock m_clock;
};

TEST_F(RunnerSteps, MixedDirectoryAppliesInGraphOrderEachByItsOwnMeans) {
  load_mixed();
  auto done = upgrade();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(m_runner->calls, (Ids{"p2:upgrade", "p3:upgrade"}));  // p1 and p2 in one call
  EXPECT_EQ(rows(), Ids{"p3"});
  auto entries = ledger();
  ASSERT_EQ(entries.size(), 5U);
  Ids order;
  for (const auto& e : entries) {
    order.push_back(e.revision);
    EXPECT_EQ(e.outcome, LedgerOutcome::succeeded) << e.revision;
  }
  EXPECT_EQ(order, (Ids{"s1", "p1", "p2", "s2", "p3"}));
  EXPECT_EQ(*entries[1].versions_after, Ids{"p1"});
  EXPECT_EQ(*entries[2].versions_after, Ids{"p2"});
  EXPECT_EQ(entries[1].path, "p1.py");
  EXPECT_FALSE(entries[1].checksum.empty());
}

TEST_F(RunnerSteps, RunnerFailureRecordsWhatMovedAndTheOutputTail) {
  load_mixed();
  m_runner->fail_at = "p2";
  auto done = upgrade();
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().kind, core::ErrorKind::step_failed);
  EXPECT_NE(done.error().message.find("revision p2 (p2.py)"), std::string::npos)
      << done.error().message;
  EXPECT_NE(done.error().message.find("RuntimeError: boom"), std::string::npos);
  EXPECT_EQ(done.error().message.find('\n'), std::string::npos);  // one line
  EXPECT_EQ(rows(), Ids{"p1"});
  auto entries = ledger();
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[1].revision, "p1");
  EXPECT_EQ(entries[1].outcome, LedgerOutcome::succeeded);
  EXPECT_EQ(entries[2].revision, "p2");
  EXPECT_EQ(entries[2].outcome, LedgerOutcome::failed);
  EXPECT_NE(entries[2].error->find("Traceback"), std::string::npos);
  EXPECT_EQ(*entries[2].versions_after, Ids{"p1"});
  EXPECT_EQ(m_outcome.heads_after, Ids{"p1"});
}

TEST_F(RunnerSteps, ARunnerThatExitsZeroWithoutMovingIsAFailedStep) {
  load_mixed();
  m_runner->move_nothing = true;
  auto done = upgrade();
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("exited 0 but alembic_version is at s1"), std::string::npos)
      << done.error().message;
  auto entries = ledger();
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[1].revision, "p1");
  EXPECT_EQ(entries[1].outcome, LedgerOutcome::failed);
}

TEST_F(RunnerSteps, WithoutARunnerThePyStepFailsAndSaysSo) {
  load_mixed();
  m_settings.runner = nullptr;
  auto done = upgrade();
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("[runner] command"), std::string::npos);
  EXPECT_EQ(rows(), Ids{"s1"});
}

TEST_F(RunnerSteps, ARenamedIdIsPlannedFromItsNewIdAndRewrittenByTheFirstStep) {
  load({{"s1.sql", sql_file("s1", "")}, {"s2.sql", sql_file("s2", "s1")}});
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(m_db->execute("INSERT INTO alembic_version VALUES ('friendly_name')").ok());
  m_settings.aliases = {{"friendly_name", "s1"}};
  auto done = upgrade();
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_EQ(m_outcome.steps.size(), 1U);  // s1 is not re-applied
  EXPECT_EQ(m_outcome.steps[0].revision, "s2");
  EXPECT_EQ(rows(), Ids{"s2"});
}

TEST_F(RunnerSteps, AutoStampRewritesTheRenamedIdFirstWithAStampRow) {
  load({{"s1.sql", sql_file("s1", "")}, {"s2.sql", sql_file("s2", "s1")}});
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(m_db->execute("INSERT INTO alembic_version VALUES ('friendly_name')").ok());
  m_settings.aliases = {{"friendly_name", "s2"}};
  m_settings.alias_auto_stamp = true;
  auto done = upgrade();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(rows(), Ids{"s2"});
  auto entries = ledger();
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].direction, LedgerDirection::stamp);
  EXPECT_EQ(entries[0].revision, "s2");
  EXPECT_EQ(*entries[0].versions_after, Ids{"s2"});
}

TEST_F(RunnerSteps, ARenamedIdBeforePyStepsIsRefusedUntilStamped) {
  load({{"s1.sql", sql_file("s1", "")}, {"p1.py", py_file("p1", "s1")}});
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(m_db->execute("INSERT INTO alembic_version VALUES ('old_s1')").ok());
  m_settings.aliases = {{"old_s1", "s1"}};
  auto done = upgrade();
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("migration-agent stamp s1 --purge"), std::string::npos)
      << done.error().message;
  EXPECT_TRUE(m_runner->calls.empty());
  MigrateRequest stamp;
  stamp.operation = Operation::stamp;
  stamp.targets = {"s1"};
  ASSERT_TRUE(migrate(*m_db, m_graph, stamp, m_settings, m_clock).ok());  // no --purge needed
  EXPECT_EQ(rows(), Ids{"s1"});
  ASSERT_TRUE(upgrade().ok());
  EXPECT_EQ(rows(), Ids{"p1"});
}

TEST_F(RunnerSteps, BaselineStampsAnUnversionedDatabaseWhoseTableExists) {
  load({{"s1.sql", sql_file("s1", "")}, {"s2.sql", sql_file("s2", "s1")}});
  ASSERT_TRUE(m_db->execute("CREATE TABLE system_info (id INTEGER)").ok());
  ASSERT_TRUE(m_db->execute("CREATE TABLE t_s1 (id INTEGER)").ok());  // as create_all() left it
  m_settings.baseline_table = "system_info";
  m_settings.baseline_revision = "s1";
  auto done = upgrade();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(rows(), Ids{"s2"});
  auto entries = ledger();
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].direction, LedgerDirection::stamp);
  EXPECT_EQ(entries[0].revision, "s1");
  EXPECT_EQ(entries[1].revision, "s2");
}

TEST_F(RunnerSteps, NoBaselineWhenItsTableIsMissing) {
  load({{"s1.sql", sql_file("s1", "")}});
  m_settings.baseline_table = "system_info";
  ASSERT_TRUE(upgrade().ok());
  auto entries = ledger();
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].direction, LedgerDirection::upgrade);
}

}  // namespace
}  // namespace magent::db
