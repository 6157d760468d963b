// Several agents against one database: the migration lock makes every revision apply
// exactly once, a lock held elsewhere ends in exit 4 naming the holder, and the lock of an
// agent killed mid-step is freed by the server so the next agent finishes the job.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "agent/core/database_url.hpp"
#include "agent/db/connect.hpp"
#include "agent/db/lock.hpp"
#include "agent/db/mysql/mysql_database.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

using namespace std::chrono_literals;

class CliConcurrency : public CliTest {
 protected:
  // A config file whose only setting is the lock timeout.
  std::filesystem::path lock_timeout_config(const std::string& timeout) {
    return m_temp.write("lock.toml", "[apply]\nlock_timeout = \"" + timeout + "\"\n");
  }
};

// The kinds of drift in a `check --json` document, in order.
std::vector<std::string> drift_kinds(const nlohmann::json& check) {
  std::vector<std::string> kinds;
  if (!check.is_object() || !check["drift"].is_array()) return kinds;
  for (const auto& d : check["drift"]) kinds.push_back(d.value("kind", "?"));
  return kinds;
}

// Polls `condition` every 20 ms for up to `limit`.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST_P(CliConcurrency, EightSimultaneousUpgradesApplyEveryRevisionExactlyOnce) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const ExampleSet set = example_set();
  AgentRunner agent(db->url(), set.dir, m_temp.path());
  std::vector<std::unique_ptr<BackgroundProcess>> agents;
  for (int i = 0; i < 8; ++i) {
    agents.push_back(std::make_unique<BackgroundProcess>(agent.argv({"upgrade"}), agent.options()));
  }
  for (auto& process : agents) {
    ProcessResult r = process->wait(120s);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
  }
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{set.head()});
  auto ledger = ledger_rows(*db);
  EXPECT_EQ(ledger.size(), set.revisions.size());
  for (const std::string& revision : set.revisions) {
    auto rows = ledger_rows_for(ledger, revision);
    ASSERT_EQ(rows.size(), 1U) << revision;
    EXPECT_EQ(rows[0].outcome, "succeeded") << revision;
  }
  EXPECT_EQ(query_value(*db, "SELECT COUNT(*) FROM system_info"), "2");  // seeded once
}

TEST_P(CliConcurrency, LockHeldElsewhereEndsInExitFourNamingTheHolder) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  // Hold the lock the way the agent takes it: same URL, same version table.
  auto url = core::parse_database_url(db->url());
  ASSERT_TRUE(url.ok()) << url.error().message;
  db::ConnectOptions options;
  options.url = *url;
  options.connect_timeout = 5s;
  options.application_name = "magent-lock-squatter";
  auto holder = db::open_database(options);
  ASSERT_TRUE(holder.ok()) << holder.error().message;
  auto taken = (*holder)->try_lock(db::lock_key(*url, db::VersionTable{}));
  ASSERT_TRUE(taken.ok() && *taken);

  AgentRunner agent(db->url(), example_set().dir, m_temp.path());
  agent.set_config(lock_timeout_config("2s"));
  const auto start = std::chrono::steady_clock::now();
  ProcessResult up = agent.run({"upgrade"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(up.exit_code, 4) << describe(up);
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 10s);
  EXPECT_TRUE(one_line(up.err));
  // MariaDB shows the program name through performance_schema, which scripts/test-servers
  // turns on; elsewhere it names the connection.
  if (GetParam() != Engine::mysql || std::getenv("MAGENT_TEST_SERVERS_DIR") != nullptr) {
    EXPECT_TRUE(contains(up.err, "magent-lock-squatter")) << up.err;
  } else {
    EXPECT_TRUE(contains(up.err, "mysql connection")) << up.err;
  }
  EXPECT_EQ(user_tables(*db), std::vector<std::string>{});
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{});

  ASSERT_TRUE((*holder)->unlock().ok());
  ProcessResult after = agent.run({"upgrade"});
  EXPECT_EQ(after.exit_code, 0) << describe(after);
}

// Holds the migration lock of `url` the way an operator's tool would, under no agent's
// name: the engine's own client (GET_LOCK / pg_advisory_lock, then a sleep) or flock(1)
// on the SQLite lock file. release() ends it.
class AnonymousLockHolder {
 public:
  AnonymousLockHolder(const TestDatabase& db, const core::DatabaseUrl& url) : m_db(db) {
    const std::string key = db::lock_key(url, db::VersionTable{});
    std::vector<std::string> argv;
    std::string input;
    switch (db.engine()) {
      case Engine::sqlite:
        argv = {"/usr/bin/flock", "-o", "-x", url.database + ".lock", "/bin/sleep", "60"};
        break;
      case Engine::postgresql:
        argv = {"/usr/bin/psql", "-X", "-q", "-h", url.host, "-p", std::to_string(url.port), "-U",
                url.user, "-d", url.database};
        input = "SELECT pg_advisory_lock(" + std::to_string(db::lock_key_int64(key)) +
                ");\nSELECT pg_sleep(60);\n";
        break;
      case Engine::mysql:
        m_name = db::mysql_lock_name(url.database, key);
        argv = {"/usr/bin/mariadb", "--no-defaults", "-h", url.host, "-P", std::to_string(url.port),
                "-u", url.user, "--protocol=TCP", url.database};
        input = "SELECT GET_LOCK('" + m_name + "', 10);\nSELECT SLEEP(60);\n";
        break;
    }
    m_process = std::make_unique<BackgroundProcess>(argv, ProcessOptions{.input = input});
  }
  ~AnonymousLockHolder() { release(); }
  // Whether the lock is taken (by now).
  bool held() const {
    switch (m_db.engine()) {
      case Engine::sqlite:
        return run_process({"/usr/bin/flock", "-n", "-x", lock_file(), "/bin/true"}).exit_code != 0;
      case Engine::postgresql:
        return query_value(m_db, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                                 "granted") == "1";
      case Engine::mysql:
        return query_value(m_db, "SELECT IS_USED_LOCK('" + m_name + "') IS NOT NULL") == "1";
    }
    return false;
  }
  void release() {
    if (!m_process) return;
    if (m_db.engine() == Engine::postgresql) {
      m_db.try_sql("SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = "
                   "'advisory' AND l.granted");
    } else if (m_db.engine() == Engine::mysql) {
      const std::string id = query_value(m_db, "SELECT IS_USED_LOCK('" + m_name + "')");
      if (!id.empty() && id != "NULL") m_db.try_sql("KILL " + id);
    }
    m_process.reset();  // kills the client, or flock (whose release frees the file)
  }

 private:
  std::string lock_file() const {
    return m_db.url().substr(std::string("sqlite:///").size()) + ".lock";
  }
  const TestDatabase& m_db;
  std::string m_name;
  std::unique_ptr<BackgroundProcess> m_process;
};

TEST_P(CliConcurrency, StartedRowOfAnUnnamedLockHolderIsRunningWhileTheLockIsHeld) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  MigrationSet set(m_temp.path() / "migrations");
  set.add({.id = "r1", .upgrade = "CREATE TABLE t_one (id INTEGER);", .downgrade = "DROP TABLE t_one;"});
  set.add({.id = "r2", .down = {"r1"}, .upgrade = "CREATE TABLE t_two (id INTEGER);",
           .downgrade = "DROP TABLE t_two;"});
  AgentRunner agent(db->url(), set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade", "r1"}).exit_code, 0);
  // A step that died long ago, then the one the lock holder is running now.
  for (const char* host : {"dead-host", "busy-host"}) {
    db->sql("INSERT INTO migration_agent_log (revision, direction, path, checksum, started_at, "
            "outcome, host, pid, agent_version, " + quoted(db->engine(), "trigger") +
            ") VALUES ('r2', 'upgrade', 'r2.sql', '', '2026-01-01T00:00:00.000Z', 'started', '" +
            host + "', 4242, '0.1.0', 'auto')");
  }
  auto url = core::parse_database_url(db->url());
  ASSERT_TRUE(url.ok()) << url.error().message;
  AnonymousLockHolder holder(*db, *url);
  ASSERT_TRUE(eventually([&] { return holder.held(); }));

  nlohmann::json held = agent.run_json({"check"}, 1);
  auto kinds = drift_kinds(held);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "failed"), 1) << held.dump();  // the dead one
  EXPECT_FALSE(held["lock_holder"].is_null()) << held.dump();

  holder.release();
  ASSERT_TRUE(eventually([&] { return !holder.held(); }));
  nlohmann::json free = agent.run_json({"check"}, 1);
  kinds = drift_kinds(free);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "failed"), 2) << free.dump();  // both died
}

// s2 inserts a mark and then sleeps for as long as `hold` has a row (on MariaDB, whose
// statements commit as they run, it sleeps first so that a kill leaves nothing behind).
class CliKilledAgent : public CliConcurrency {
 protected:
  void SetUp() override {
    m_set.add({.id = "s1",
               .upgrade = "CREATE TABLE marks (rev VARCHAR(10));\n"
                          "INSERT INTO marks (rev) VALUES ('s1');",
               .downgrade = "DROP TABLE marks;"});
    m_set.add({.id = "s2",
               .down = {"s1"},
               .upgrade = "INSERT INTO marks (rev) VALUES ('s2');\n"
                          "WITH RECURSIVE c(x) AS (SELECT n FROM hold UNION ALL\n"
                          "  SELECT x + 1 FROM c WHERE x < 2000000000) SELECT COUNT(*) FROM c;",
               .downgrade = "DELETE FROM marks WHERE rev = 's2';",
               .upgrade_for = {{"postgresql",
                                "INSERT INTO marks (rev) VALUES ('s2');\n"
                                "SELECT pg_sleep(60) FROM hold;"},
                               {"mysql",
                                "SELECT SLEEP(60) FROM hold;\n"
                                "INSERT INTO marks (rev) VALUES ('s2');"}}});
    m_set.add({.id = "s3", .down = {"s2"}, .upgrade = "INSERT INTO marks (rev) VALUES ('s3');",
               .downgrade = "DELETE FROM marks WHERE rev = 's3';"});
  }
  // Whether s2's slow statement is running now.
  bool sleeping(const TestDatabase& db, const std::filesystem::path& sqlite_file) {
    switch (db.engine()) {
      case Engine::sqlite:  // the write transaction's rollback journal (or WAL) exists
        return std::filesystem::exists(sqlite_file.string() + "-journal") ||
               std::filesystem::exists(sqlite_file.string() + "-wal");
      case Engine::postgresql:
        return query_value(db, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND state = 'active' AND query LIKE "
                               "'SELECT pg_sleep(60) FROM hold%'") == "1";
      case Engine::mysql:
        return query_value(db, "SELECT COUNT(*) FROM information_schema.processlist WHERE "
                               "db = DATABASE() AND info LIKE 'SELECT SLEEP(60) FROM hold%'") == "1";
    }
    return false;
  }
  // Ends the orphaned server-side sleep of the killed agent (the server finishes a running
  // statement even when its client is gone), so the database can be dropped at once.
  void end_orphaned_sleep(const TestDatabase& db) {
    if (db.engine() == Engine::postgresql) {
      db.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
             "current_database() AND query LIKE 'SELECT pg_sleep(60) FROM hold%'");
    } else if (db.engine() == Engine::mysql) {
      for (const auto& row : query_rows(db, "SELECT id FROM information_schema.processlist WHERE "
                                            "db = DATABASE() AND info LIKE "
                                            "'SELECT SLEEP(60) FROM hold%'")) {
        db.try_sql("KILL " + row.at(0));
      }
    }
  }

  MigrationSet m_set{m_temp.path() / "migrations"};
};

TEST_P(CliKilledAgent, NextUpgradeFinishesTheJobAndNothingIsAppliedTwice) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  db->sql("CREATE TABLE hold (n INTEGER); INSERT INTO hold (n) VALUES (1);");
  const std::filesystem::path sqlite_file =
      db->engine() == Engine::sqlite ? db->url().substr(std::string("sqlite:///").size()) : "";
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());

  BackgroundProcess stuck(agent.argv({"upgrade"}), agent.options());
  ASSERT_TRUE(eventually([&] { return sleeping(*db, sqlite_file) || !stuck.running(); }));
  ASSERT_TRUE(stuck.running()) << describe(stuck.wait(1s));

  // Meanwhile another agent gives up on the lock and names the stuck one.
  AgentRunner contender = agent;
  contender.set_config(lock_timeout_config("1s"));
  ProcessResult busy = contender.run({"upgrade"});
  EXPECT_EQ(busy.exit_code, 4) << describe(busy);
  if (db->engine() != Engine::mysql || std::getenv("MAGENT_TEST_SERVERS_DIR") != nullptr) {
    EXPECT_TRUE(contains(busy.err, "migration-agent@")) << busy.err;
    EXPECT_TRUE(contains(busy.err, ":" + std::to_string(stuck.pid()) + " ") ||
                busy.err.ends_with(":" + std::to_string(stuck.pid()) + "\n"))
        << busy.err;
  }

  // A step that is running is not a failed step; check names who is running it.
  nlohmann::json running = agent.run_json({"check"}, 1);
  EXPECT_EQ(drift_kinds(running), std::vector<std::string>{"behind"}) << running.dump();
  EXPECT_TRUE(contains(running.value("lock_holder", ""), ":" + std::to_string(stuck.pid())))
      << running.dump();

  ASSERT_TRUE(stuck.signal(SIGKILL));
  ProcessResult killed = stuck.wait(10s);
  EXPECT_EQ(killed.signal, SIGKILL);
  db->sql("DELETE FROM hold");  // s2 no longer sleeps

  // Killed: on MariaDB its `started` row now tells of a step that died half-way.
  nlohmann::json dead = agent.run_json({"check"}, 1);
  auto kinds = drift_kinds(dead);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "failed"), db->engine() == Engine::mysql ? 1 : 0)
      << dead.dump();

  ProcessResult next = agent.run({"upgrade"});
  end_orphaned_sleep(*db);
  ASSERT_EQ(next.exit_code, 0) << describe(next);
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{"s3"});
  auto marks = query_rows(*db, "SELECT rev FROM marks ORDER BY rev");
  EXPECT_EQ(marks, (std::vector<std::vector<std::string>>{{"s1"}, {"s2"}, {"s3"}}));

  auto ledger = ledger_rows(*db);
  EXPECT_EQ(ledger_rows_for(ledger, "s1").size(), 1U);
  EXPECT_EQ(ledger_rows_for(ledger, "s3").size(), 1U);
  auto s2 = ledger_rows_for(ledger, "s2");
  if (db->engine() == Engine::mysql) {
    // The killed attempt left its `started` row; the rerun succeeded after it.
    ASSERT_EQ(s2.size(), 2U);
    EXPECT_EQ(s2[0].outcome, "started");
    EXPECT_EQ(s2[1].outcome, "succeeded");
  } else {
    ASSERT_EQ(s2.size(), 1U);  // no trace of the killed attempt
    EXPECT_EQ(s2[0].outcome, "succeeded");
    EXPECT_NE(s2[0].pid, std::to_string(stuck.pid()));
  }
  ProcessResult check = agent.run({"check"});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
}

MAGENT_CLI_ALL_ENGINES(CliConcurrency);
MAGENT_CLI_ALL_ENGINES(CliKilledAgent);

}  // namespace
}  // namespace magent::test
