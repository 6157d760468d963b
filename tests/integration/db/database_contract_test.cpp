// The Database contract, run against every engine (tests/support/engines.hpp). Only
// portable SQL here: these same tests run on SQLite, PostgreSQL and MariaDB.
#include <algorithm>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/db/connect.hpp"
#include "agent/db/ledger.hpp"
#include "agent/db/lock.hpp"
#include "agent/db/version_store.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/engines.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using namespace std::chrono_literals;
using core::ErrorKind;
using core::VersionOp;
using test::Engine;
using Revisions = std::vector<std::string>;

VersionOp insert(std::string to) {
  return {.kind = VersionOp::Kind::insert, .to = std::move(to)};
}
VersionOp update(std::string from, std::string to) {
  return {.kind = VersionOp::Kind::update, .from = std::move(from), .to = std::move(to)};
}

class DatabaseContract : public ::testing::TestWithParam<Engine> {
 protected:
  static ConnectOptions options_for(const test::TestDatabase& db) {
    auto url = test::test_url(db.url());
    EXPECT_TRUE(url.has_value()) << db.url();
    return {.url = url.value_or(core::DatabaseUrl{}), .connect_timeout = 5s};
  }
  static std::unique_ptr<Database> connect(const test::TestDatabase& db) {
    auto opened = open_database(options_for(db));
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  static Revisions versions(Database& db) {
    auto state = read_versions(db, {});
    EXPECT_TRUE(state.ok()) << state.error().message;
    return state.ok() ? state->revisions : Revisions{"<error>"};
  }
  static std::string key_for(const test::TestDatabase& db) {
    return lock_key(options_for(db).url, {});
  }

  test::TempDir m_temp;
};

TEST_P(DatabaseContract, VersionRowsAppliedInATransactionCommit) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  ASSERT_TRUE(db->begin().ok());
  auto applied = apply_version_ops(*db, {}, {insert("a1")});
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  ASSERT_TRUE(db->commit().ok());
  EXPECT_EQ(fixture->sql("SELECT version_num FROM alembic_version;"), "a1\n");
  ASSERT_TRUE(apply_version_ops(*db, {}, {update("a1", "b2")}).ok());
  EXPECT_EQ(versions(*db), Revisions{"b2"});
}

TEST_P(DatabaseContract, RolledBackTransactionLeavesVersionRowsUnchanged) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*db, {}, {insert("a1")}).ok());
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(apply_version_ops(*db, {}, {update("a1", "b2"), insert("c1")}).ok());
  ASSERT_TRUE(db->rollback().ok());
  EXPECT_EQ(versions(*db), Revisions{"a1"});
  EXPECT_EQ(fixture->sql("SELECT version_num FROM alembic_version;"), "a1\n");
}

TEST_P(DatabaseContract, MissingVersionTableReadsAsAbsent) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  auto state = read_versions(*db, {});
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_FALSE(state->table_exists);
  EXPECT_TRUE(state->revisions.empty());
}

TEST_P(DatabaseContract, EnsuringTheVersionTableTwiceIsHarmless) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  auto other = connect(*fixture);
  ASSERT_TRUE(db && other);
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*db, {}, {insert("a1")}).ok());
  auto again = ensure_version_table(*other, {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(versions(*other), Revisions{"a1"});
}

TEST_P(DatabaseContract, UpdateMatchingNoRowFailsWithAlembicsWords) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  ASSERT_TRUE(db->begin().ok());
  auto r = apply_version_ops(*db, {}, {update("a", "b")});
  ASSERT_TRUE(db->rollback().ok());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_EQ(r.error().message,
            "Online migration expected to match one row when updating 'a' to 'b' in "
            "'alembic_version'; 0 found");
}

TEST_P(DatabaseContract, ReadsVersionColumnsOfAnyWidth) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  const std::string long_id(100, 'f');
  fixture->sql(
      "CREATE TABLE alembic_version (version_num VARCHAR(255) NOT NULL PRIMARY KEY);"
      "INSERT INTO alembic_version VALUES ('" +
      long_id + "');");
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  EXPECT_EQ(versions(*db), Revisions{long_id});
}

TEST_P(DatabaseContract, FailingStatementIsStepFailedWithTheEnginesMessage) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  auto r = db->execute("INSERT INTO no_such_table (x) VALUES (1)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_NE(r.error().message.find("no_such_table"), std::string::npos) << r.error().message;
  auto q = db->query("SELECT x FROM no_such_table WHERE x = ?", {std::int64_t{1}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().kind, ErrorKind::step_failed);
  // The connection is still usable afterwards.
  auto after = db->query("SELECT 1");
  ASSERT_TRUE(after.ok()) << after.error().message;
}

TEST_P(DatabaseContract, QueryBindsParametersAndReturnsTextCells) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->execute("CREATE TABLE t (id INTEGER NOT NULL, name VARCHAR(20))").ok());
  ASSERT_TRUE(
      db->query("INSERT INTO t (id, name) VALUES (?, ?)", {std::int64_t{7}, std::string("it's")})
          .ok());
  ASSERT_TRUE(db->query("INSERT INTO t (id, name) VALUES (?, ?)", {std::int64_t{8}, nullptr}).ok());
  auto rows = db->query("SELECT id, name FROM t ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  const Rows expected{{std::string("7"), std::string("it's")}, {std::string("8"), std::nullopt}};
  EXPECT_EQ(*rows, expected);
}

TEST_P(DatabaseContract, ModifyCountsMatchedRowsEvenWhenNothingChanges) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(
      db->execute("CREATE TABLE t (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(20))").ok());
  const std::string insert_sql = "INSERT INTO t (id, name) VALUES (?, ?)";
  for (std::int64_t id : {1, 2, 3}) {
    auto added = db->modify(insert_sql, {id, std::string("same")});
    ASSERT_TRUE(added.ok()) << added.error().message;
    EXPECT_EQ(*added, 1);
  }
  // MySQL counts changed rows unless told otherwise; the contract is rows matched.
  auto same = db->modify("UPDATE t SET name = ? WHERE name = ?",
                         {std::string("same"), std::string("same")});
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(*same, 3);
  auto none = db->modify("UPDATE t SET name = ? WHERE id = ?", {std::string("x"), std::int64_t{9}});
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(*none, 0);
  auto removed = db->modify("DELETE FROM t WHERE id >= 2");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  // The same text again after a failure (a duplicate key) still runs: a statement kept for
  // reuse is not left broken.
  auto duplicate = db->modify(insert_sql, {std::int64_t{1}, std::string("again")});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().kind, ErrorKind::step_failed);
  auto again = db->modify(insert_sql, {std::int64_t{4}, nullptr});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 1);
  auto missing = db->modify("UPDATE no_such_table SET x = ?", {std::int64_t{1}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::step_failed);
  EXPECT_NE(missing.error().message.find("no_such_table"), std::string::npos)
      << missing.error().message;
  auto rows = db->query("SELECT id, name FROM t ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  const Rows expected{{std::string("1"), std::string("same")}, {std::string("4"), std::nullopt}};
  EXPECT_EQ(*rows, expected);
}

TEST_P(DatabaseContract, VersionUpdateMatchingTwoRowsFailsAndRollsBack) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  fixture->sql(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"
      "INSERT INTO alembic_version VALUES ('a');"
      "INSERT INTO alembic_version VALUES ('a');");
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->begin().ok());
  auto r = apply_version_ops(*db, {}, {update("a", "b")});
  ASSERT_TRUE(db->rollback().ok());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_EQ(r.error().message,
            "Online migration expected to match one row when updating 'a' to 'b' in "
            "'alembic_version'; 2 found");
  EXPECT_EQ(versions(*db), (Revisions{"a", "a"}));
}

TEST_P(DatabaseContract, CommittedRowsAreVisibleToAnotherConnection) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  auto other = connect(*fixture);
  ASSERT_TRUE(db && other);
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(apply_version_ops(*db, {}, {insert("a1")}).ok());
  ASSERT_TRUE(db->commit().ok());
  EXPECT_EQ(versions(*other), Revisions{"a1"});
}

TEST_P(DatabaseContract, ListTablesAndTableExistsSeeUserTables) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  fixture->sql("CREATE TABLE usuario (id INTEGER); CREATE TABLE curso (id INTEGER);");
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  auto tables = db->list_tables();
  ASSERT_TRUE(tables.ok()) << tables.error().message;
  std::sort(tables->begin(), tables->end());
  EXPECT_EQ(*tables, (std::vector<std::string>{"curso", "usuario"}));
  EXPECT_TRUE(*db->table_exists("", "usuario"));
  EXPECT_FALSE(*db->table_exists("", "alembic_version"));
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  EXPECT_TRUE(*db->table_exists("", "alembic_version"));
}

TEST_P(DatabaseContract, LedgerAppendUpdateAndReadBack) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  const LedgerTable table;
  ASSERT_TRUE(ensure_ledger(*db, table).ok());
  ASSERT_TRUE(ensure_ledger(*db, table).ok());
  LedgerEntry entry{.revision = "a1",
                    .path = "a1.sql",
                    .checksum = std::string(64, 'c'),
                    .started_at = *parse_timestamp("2026-11-23T12:00:00.123Z"),
                    .host = "web-1",
                    .pid = 42,
                    .agent_version = "0.1.0",
                    .trigger = LedgerTrigger::manual,
                    .peer_uid = 1000};
  auto first = append(*db, table, entry);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = append(*db, table, entry);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_GT(*second, *first);
  auto done = update_outcome(*db, table, *first,
                             {.outcome = LedgerOutcome::failed,
                              .finished_at = *parse_timestamp("2026-11-23T12:00:01.000Z"),
                              .duration = 877ms,
                              .error = "boom",
                              .versions_after = Revisions{}});
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto recent = read_recent(*db, table, 10);
  ASSERT_TRUE(recent.ok()) << recent.error().message;
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, *second);
  EXPECT_EQ((*recent)[0].outcome, LedgerOutcome::started);
  const LedgerEntry& failed = (*recent)[1];
  EXPECT_EQ(failed.outcome, LedgerOutcome::failed);
  EXPECT_EQ(failed.error, "boom");
  EXPECT_EQ(failed.duration, 877ms);
  EXPECT_EQ(failed.trigger, LedgerTrigger::manual);
  EXPECT_EQ(failed.peer_uid, 1000);
  EXPECT_EQ(failed.started_at, entry.started_at);
  EXPECT_EQ(failed.versions_after, Revisions{});
  auto unresolved = unresolved_entries(*db, table, 10);
  ASSERT_TRUE(unresolved.ok()) << unresolved.error().message;
  EXPECT_EQ(unresolved->size(), 2u);
  auto last = last_entry_for(*db, table, "a1");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->id, *second);
}

TEST_P(DatabaseContract, ARunnerBatchRowCanEndUpRecordingTheRevisionThatFailed) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  const LedgerTable table;
  ASSERT_TRUE(ensure_ledger(*db, table).ok());
  LedgerEntry entry{.revision = "a1",
                    .path = "a1.py",
                    .checksum = std::string(64, 'a'),
                    .started_at = *parse_timestamp("2026-11-23T12:00:00.000Z"),
                    .host = "web-1",
                    .pid = 42,
                    .agent_version = "0.1.0"};
  auto id = append(*db, table, entry);
  ASSERT_TRUE(id.ok()) << id.error().message;
  const LedgerResolution failed{
      .outcome = LedgerOutcome::failed,
      .finished_at = *parse_timestamp("2026-11-23T12:00:03.000Z"),
      .duration = 3000ms,
      .error = "runner timed out",
      .versions_after = Revisions{},
      .step = LedgerResolution::StepFile{"b2", "b2.py", std::string(64, 'b')}};
  auto resolved = update_outcome(*db, table, *id, failed);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  auto rows = read_recent(*db, table, 10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  const LedgerEntry& row = rows->front();
  EXPECT_EQ(row.id, *id);
  EXPECT_EQ(row.revision, "b2");
  EXPECT_EQ(row.path, "b2.py");
  EXPECT_EQ(row.checksum, std::string(64, 'b'));
  EXPECT_EQ(row.outcome, LedgerOutcome::failed);
  EXPECT_EQ(row.error, std::optional<std::string>("runner timed out"));
  auto none_for_a1 = last_entry_for(*db, table, "a1");
  ASSERT_TRUE(none_for_a1.ok());
  EXPECT_FALSE(none_for_a1->has_value()) << "the rolled-back first revision kept a row";
}

TEST_P(DatabaseContract, LedgerRowResolvesOnceAndTakesTheSameFingerprintTwice) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  const LedgerTable table;
  ASSERT_TRUE(ensure_ledger(*db, table).ok());
  LedgerEntry entry{.revision = "a1",
                    .path = "a1.sql",
                    .checksum = std::string(64, 'c'),
                    .started_at = *parse_timestamp("2026-11-23T12:00:00.000Z"),
                    .host = "web-1",
                    .pid = 42,
                    .agent_version = "0.1.0",
                    .trigger = LedgerTrigger::manual};
  auto id = append(*db, table, entry);
  ASSERT_TRUE(id.ok()) << id.error().message;
  const LedgerResolution done{.outcome = LedgerOutcome::succeeded,
                              .finished_at = *parse_timestamp("2026-11-23T12:00:01.000Z"),
                              .duration = 1000ms,
                              .versions_after = Revisions{"a1"}};
  auto first = update_outcome(*db, table, *id, done);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = update_outcome(*db, table, *id, done);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("is already succeeded"), std::string::npos)
      << second.error().message;
  auto absent = update_outcome(*db, table, *id + 100, done);
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message.find("not found in " + table.name), std::string::npos)
      << absent.error().message;
  // Storing the fingerprint a row already has matches it (MySQL would count no change).
  const std::string fingerprint(64, 'f');
  ASSERT_TRUE(set_schema_fingerprint(*db, table, *id, fingerprint).ok());
  auto same = set_schema_fingerprint(*db, table, *id, fingerprint);
  ASSERT_TRUE(same.ok()) << same.error().message;
  auto nowhere = set_schema_fingerprint(*db, table, *id + 100, fingerprint);
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("not found"), std::string::npos)
      << nowhere.error().message;
}

TEST_P(DatabaseContract, HeldLockBlocksASecondConnectionAndNamesItsHolder) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto holder = connect(*fixture);
  auto other = connect(*fixture);
  ASSERT_TRUE(holder && other);
  const std::string key = key_for(*fixture);
  auto got = holder->try_lock(key);
  ASSERT_TRUE(got.ok() && *got) << (got.ok() ? "not taken" : got.error().message);
  auto second = other->try_lock(key);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(*second);
  auto who = other->lock_holder(key);
  ASSERT_TRUE(who.ok()) << who.error().message;
  ASSERT_TRUE(who->has_value());
  EXPECT_NE((*who)->find("migration-agent"), std::string::npos) << **who;
  ASSERT_TRUE(holder->unlock().ok());
  auto third = other->try_lock(key);
  ASSERT_TRUE(third.ok() && *third);
  ASSERT_TRUE(other->unlock().ok());
}

TEST_P(DatabaseContract, AcquireLockTimesOutNamingTheHolderThenSucceedsWhenFree) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto holder = connect(*fixture);
  auto waiter = connect(*fixture);
  ASSERT_TRUE(holder && waiter);
  const std::string key = key_for(*fixture);
  auto held = acquire_lock(*holder, key, 1s, platform::system_clock());
  ASSERT_TRUE(held.ok()) << held.error().message;
  auto timed_out = acquire_lock(*waiter, key, 300ms, platform::system_clock());
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().kind, ErrorKind::lock_timeout);
  EXPECT_NE(timed_out.error().message.find("migration-agent"), std::string::npos)
      << timed_out.error().message;
  std::thread releaser([&] {
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(held->release().ok());
  });
  auto later = acquire_lock(*waiter, key, 10s, platform::system_clock());
  releaser.join();
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_GE(later->waited(), 100ms);
}

TEST_P(DatabaseContract, LockIsFreedWhenTheHoldingProcessDies) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  const ConnectOptions options = options_for(*fixture);
  const std::string key = key_for(*fixture);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child takes the lock on its own connection, reports, and waits to be killed.
    close(ready[0]);
    char status = 'n';
    auto db = open_database(options);
    if (db.ok()) {
      auto got = (*db)->try_lock(key);
      if (got.ok() && *got) status = 'y';
    }
    [[maybe_unused]] auto n = write(ready[1], &status, 1);
    for (;;) pause();
  }
  close(ready[1]);
  char status = 0;
  ASSERT_EQ(read(ready[0], &status, 1), 1);
  close(ready[0]);
  auto db = connect(*fixture);
  bool blocked = false;
  std::optional<std::string> who;
  if (db) {
    auto got = db->try_lock(key);
    blocked = got.ok() && !*got;
    auto holder = db->lock_holder(key);
    if (holder.ok()) who = *holder;
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_EQ(status, 'y') << "the child could not take the lock";
  ASSERT_TRUE(db);
  EXPECT_TRUE(blocked);
  ASSERT_TRUE(who.has_value());
  EXPECT_NE(who->find(std::to_string(child)), std::string::npos) << *who;
  // The kernel (flock) or the server (session end) frees it; servers may take a moment.
  bool taken = false;
  for (int i = 0; i < 100 && !taken; ++i) {
    auto got = db->try_lock(key);
    ASSERT_TRUE(got.ok()) << got.error().message;
    taken = *got;
    if (!taken) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(taken);
  EXPECT_TRUE(db->unlock().ok());
}

TEST_P(DatabaseContract, UnreachableDatabaseIsAnUnreachableError) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  ConnectOptions options = options_for(*fixture);
  if (options.url.dialect == core::Dialect::sqlite) {
    options.url.database = (m_temp.path() / "missing-dir" / "x.db").string();
  } else {
    options.url.port = 1;  // nothing listens there
    options.connect_timeout = 2s;
  }
  auto db = open_database(options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::unreachable);
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseContract, ::testing::ValuesIn(test::all_engines()),
                         test::engine_param_name);

}  // namespace
}  // namespace magent::db
