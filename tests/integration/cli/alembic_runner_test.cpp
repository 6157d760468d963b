// .py revisions applied through the [runner] by the real Alembic (Debian's python3-alembic),
// under the agent's lock, on SQLite, PostgreSQL and MariaDB: what moved is what the ledger
// says, failures and timeouts are failed steps with Alembic's output, and a directory that
// mixes .sql and .py revisions is applied in graph order, each by its own means.
#include <gtest/gtest.h>

#include "tests/support/now_lms_fixture.hpp"

namespace magent::test {
namespace {

using Ids = std::vector<std::string>;

class CliAlembicRunner : public AlembicRunnerTest {};

TEST_P(CliAlembicRunner, UpgradeRunsAlembicUnderTheLockAndRecordsEveryRevision) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  // The runner first asks a second agent what it sees: the lock must be held meanwhile.
  const auto lock_probe = m_temp.path() / "lock-probe.json";
  write_config("", agent_binary() + " --database-url " + m_url + " --migrations-dir " +
                       alembic().versions().string() + " --json check > " + lock_probe.string() +
                       "; ");
  ProcessResult up = agent().run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_TRUE(contains(up.out, "The database is now at 20260125_120000")) << up.out;

  EXPECT_EQ(alembic().current(), Ids{"20260125_120000"});
  EXPECT_EQ(current_revisions(agent()), Ids{"20260125_120000"});
  EXPECT_EQ(ledger_summary(*db),
            (Ids{"1736000000:upgrade:succeeded", "20260101_000000:upgrade:succeeded",
                 "20260110_035505:upgrade:succeeded", "20260125_120000:upgrade:succeeded"}));
  const auto rows = ledger_rows(*db);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].versions_after, now_lms_chain()[i]);
    EXPECT_EQ(rows[i].trigger, "cli");
    EXPECT_EQ(rows[i].checksum.size(), 64U);
  }
  EXPECT_EQ(rows.front().path, "zz_initial_schema.py");
  EXPECT_TRUE(has_table(*db, "usuario"));
  EXPECT_TRUE(has_table(*db, "curso"));

  // One runner call for the whole chain, with DATABASE_URL and [runner.env] passed through.
  EXPECT_EQ(read_file(probe_file()), "DATABASE_URL=" + m_url + " EXTRA=x1\n");
  nlohmann::json seen = nlohmann::json::parse(read_file(lock_probe), nullptr, false);
  ASSERT_TRUE(seen.is_object()) << read_file(lock_probe);
  EXPECT_FALSE(seen["lock_holder"].is_null()) << seen.dump();

  ProcessResult check = agent().run({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
  ProcessResult again = agent().run({"upgrade"});
  EXPECT_TRUE(contains(again.out, "Nothing to do")) << again.out;
}

TEST_P(CliAlembicRunner, DowngradesThroughTheRunnerAndAlembicAgrees) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  ASSERT_EQ(agent().run({"upgrade"}).exit_code, 0);
  ProcessResult down = agent().run({"downgrade", "-2"});
  ASSERT_EQ(down.exit_code, 0) << describe(down);
  EXPECT_EQ(alembic().current(), Ids{"20260101_000000"});
  EXPECT_EQ(current_revisions(agent()), Ids{"20260101_000000"});
  const auto rows = ledger_rows(*db);
  ASSERT_EQ(rows.size(), 6U);
  EXPECT_EQ(rows[4].revision + ":" + rows[4].direction + ":" + rows[4].versions_after,
            "20260125_120000:downgrade:20260110_035505");
  EXPECT_EQ(rows[5].revision + ":" + rows[5].direction + ":" + rows[5].versions_after,
            "20260110_035505:downgrade:20260101_000000");
  // Alembic finishes the job: exactly the two revisions that are pending.
  ProcessResult up = alembic().run({"upgrade", "heads"});
  EXPECT_EQ(AlembicProject::running_lines(up).size(), 2U) << up.err;
  EXPECT_EQ(agent().run({"check"}).exit_code, 0);
}

TEST_P(CliAlembicRunner, RunnerFailureIsAFailedStepWithAlembicsOutput) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  alembic().add({.id = "20260201_000000",
                 .down = {"20260125_120000"},
                 .upgrade_python = "    print(\"about to fail\", flush=True)\n"
                                   "    raise RuntimeError(\"boom\")\n",
                 .message = "Broken"});
  ProcessResult up = agent().run({"upgrade"});
  EXPECT_EQ(up.exit_code, 5) << describe(up);
  EXPECT_TRUE(one_line(up.err)) << up.err;
  EXPECT_TRUE(contains(up.err, "RuntimeError: boom")) << up.err;
  EXPECT_TRUE(contains(up.err, "exited with status 1")) << up.err;

  // alembic_version is where Alembic left it (engines differ: PostgreSQL rolls the whole
  // run back), the agent says the same, and the ledger records exactly what moved, then
  // the broken revision (Alembic's last "Running upgrade" line), never a rolled-back one.
  EXPECT_TRUE(contains(up.err, "20260201_000000")) << up.err;
  const Ids rows = version_rows(*db);
  EXPECT_EQ(current_revisions(agent()), rows);
  EXPECT_EQ(alembic().current(), rows);
  std::size_t moved = 0;
  if (!rows.empty()) {
    moved = static_cast<std::size_t>(
        std::find(now_lms_chain().begin(), now_lms_chain().end(), rows.front()) -
        now_lms_chain().begin() + 1);
  }
  Ids expected;
  for (std::size_t i = 0; i < moved; ++i)
    expected.push_back(now_lms_chain()[i] + ":upgrade:succeeded");
  expected.push_back("20260201_000000:upgrade:failed");
  EXPECT_EQ(ledger_summary(*db), expected);
  const LedgerRow last = ledger_rows(*db).back();
  EXPECT_TRUE(contains(last.error, "RuntimeError: boom")) << last.error;
  EXPECT_TRUE(contains(last.error, "Traceback")) << last.error;
  EXPECT_TRUE(contains(last.error, "about to fail")) << last.error;

  nlohmann::json check = agent().run_json({"check"}, 1);
  bool failed_drift = false;
  for (const auto& d : check["drift"]) failed_drift |= d.value("kind", "") == "failed";
  EXPECT_TRUE(failed_drift) << check.dump();
}

TEST_P(CliAlembicRunner, RunnerTimeoutKillsAlembicAndIsAFailedStep) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  write_config("", "", "3s");
  alembic().add({.id = "20260201_000000",
                 .down = {"20260125_120000"},
                 .upgrade_python = "    print(\"sleeping now\", flush=True)\n"
                                   "    import time\n    time.sleep(120)\n",
                 .message = "Slow"});
  const auto start = std::chrono::steady_clock::now();
  ProcessResult up = agent().run({"upgrade"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(40));
  EXPECT_EQ(up.exit_code, 5) << describe(up);
  EXPECT_TRUE(contains(up.err, "timed out")) << up.err;
  const Ids rows = version_rows(*db);
  EXPECT_EQ(current_revisions(agent()), rows);
  EXPECT_EQ(alembic().current(), rows);
  const LedgerRow last = ledger_rows(*db).back();
  EXPECT_EQ(last.revision, "20260201_000000");
  EXPECT_EQ(last.outcome, "failed");
  EXPECT_TRUE(contains(last.error, "timed out")) << last.error;
  EXPECT_TRUE(contains(last.error, "sleeping now")) << last.error;
}

TEST_P(CliAlembicRunner, MixedDirectoryRunsSqlItselfAndPyThroughAlembicInGraphOrder) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const std::string url = sqlalchemy_form(db->url());
  AlembicProject project(m_temp.path() / "app", url);
  MigrationSet set(m_temp.path() / "migrations");
  // s1 (.sql) -> p1 -> p2 (.py) -> s2 (.sql) -> p3 (.py). Alembic's copy of the graph has
  // no-op stand-ins for the .sql revisions, which the agent applies itself.
  set.add(
      {.id = "s1", .upgrade = "CREATE TABLE t_s1 (id INTEGER);", .downgrade = "DROP TABLE t_s1;"});
  set.add({.id = "s2",
           .down = {"p2"},
           .upgrade = "CREATE TABLE t_s2 (id INTEGER);",
           .downgrade = "DROP TABLE t_s2;"});
  project.add({.id = "s1"});
  project.add({.id = "s2", .down = {"p2"}});
  const std::vector<PyRevision> py = {
      {.id = "p1", .down = {"s1"}, .upgrade = {"CREATE TABLE t_p1 (id INTEGER)"}},
      {.id = "p2", .down = {"p1"}, .upgrade = {"CREATE TABLE t_p2 (id INTEGER)"}},
      {.id = "p3", .down = {"s2"}, .upgrade = {"CREATE TABLE t_p3 (id INTEGER)"}}};
  for (const PyRevision& r : py) {
    project.add(r);
    set.write(r.id + ".py", py_revision_text(r));
  }
  std::ofstream(m_temp.path() / "agent.toml")
      << "[runner]\ncommand = '" << project.runner_command() << "'\n[runner.env]\n"
      << "MAGENT_RUNNER_PROBE = '" << probe_file().string() << "'\n";
  AgentRunner a(url, set.dir(), m_temp.path());
  a.set_config(m_temp.path() / "agent.toml");
  ProcessResult up = a.run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(ledger_summary(*db),
            (Ids{"s1:upgrade:succeeded", "p1:upgrade:succeeded", "p2:upgrade:succeeded",
                 "s2:upgrade:succeeded", "p3:upgrade:succeeded"}));
  for (const char* table : {"t_s1", "t_p1", "t_p2", "t_s2", "t_p3"}) {
    EXPECT_TRUE(has_table(*db, table)) << table;
  }
  const std::string probe = read_file(probe_file());
  EXPECT_EQ(std::count(probe.begin(), probe.end(), '\n'), 2) << probe;  // p1+p2, then p3
  EXPECT_EQ(project.current(), Ids{"p3"});
}

MAGENT_CLI_ALL_ENGINES(CliAlembicRunner);

}  // namespace
}  // namespace magent::test
