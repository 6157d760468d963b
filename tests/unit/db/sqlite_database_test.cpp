#include "agent/db/sqlite/sqlite_database.hpp"

#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/platform/host.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using namespace std::chrono_literals;
using core::ErrorKind;

class SqliteAdapter : public ::testing::Test {
 protected:
  std::string path(std::string_view name = "app.db") const {
    return (m_dir.path() / name).string();
  }
  std::unique_ptr<Database> open(const std::string& file) {
    auto db = open_database(test::sqlite_options(file));
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(*db) : nullptr;
  }
  std::string scalar(Database& db, std::string_view sql) {
    auto rows = db.query(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok() || rows->empty() || rows->front().empty()) return "<none>";
    return rows->front().front().value_or("<null>");
  }

  test::TempDir m_dir;
};

TEST_F(SqliteAdapter, MissingDirectoryIsUnreachableNamingThePath) {
  const std::string file = path("no/such/dir/app.db");
  auto db = open_database(test::sqlite_options(file));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::unreachable);
  EXPECT_NE(db.error().message.find(file), std::string::npos) << db.error().message;
}

TEST_F(SqliteAdapter, AFileThatIsNotADatabaseIsUnreachable) {
  const auto file = m_dir.write("notes.db", std::string(4096, 'x'));
  auto db = open_database(test::sqlite_options(file.string()));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind, ErrorKind::unreachable);
  EXPECT_NE(db.error().message.find("not a database"), std::string::npos) << db.error().message;
}

TEST_F(SqliteAdapter, EmptyPathOpensAPrivateInMemoryDatabase) {
  auto a = open("");
  auto b = open("");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->execute("CREATE TABLE t (x INTEGER)").ok());
  EXPECT_TRUE(*a->table_exists("", "t"));
  EXPECT_FALSE(*b->table_exists("", "t"));
  EXPECT_NE(a->describe().find("in memory"), std::string::npos);
}

TEST_F(SqliteAdapter, DescribesEngineVersionAndPath) {
  auto db = open(path());
  ASSERT_TRUE(db);
  EXPECT_EQ(db->describe().rfind("SQLite 3.", 0), 0u) << db->describe();
  EXPECT_NE(db->describe().find(path()), std::string::npos);
  EXPECT_EQ(db->dialect(), core::Dialect::sqlite);
  EXPECT_TRUE(db->transactional_ddl());
}

TEST_F(SqliteAdapter, ForeignKeysAreEnforced) {
  auto db = open(path());
  ASSERT_TRUE(db);
  EXPECT_EQ(scalar(*db, "PRAGMA foreign_keys"), "1");
  ASSERT_TRUE(db->execute("CREATE TABLE p (id INTEGER PRIMARY KEY); "
                          "CREATE TABLE c (p_id INTEGER REFERENCES p(id))")
                  .ok());
  auto r = db->execute("INSERT INTO c VALUES (42)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_NE(r.error().message.find("FOREIGN KEY"), std::string::npos) << r.error().message;
}

TEST_F(SqliteAdapter, JournalModeIsLeftAsTheOperatorSetIt) {
  {
    auto setup = open(path());
    ASSERT_TRUE(setup);
    EXPECT_EQ(scalar(*setup, "PRAGMA journal_mode"), "delete");
    EXPECT_EQ(scalar(*setup, "PRAGMA journal_mode = WAL"), "wal");
  }
  auto db = open(path());
  ASSERT_TRUE(db);
  EXPECT_EQ(scalar(*db, "PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteAdapter, QueryBindsEveryValueKindAndReturnsTextOrNull) {
  auto db = open(path());
  ASSERT_TRUE(db);
  auto rows = db->query("SELECT ?, ?, ?, 1.5", {std::string("it's"), std::int64_t{-7}, nullptr});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  const Row expected{std::string("it's"), std::string("-7"), std::nullopt, std::string("1.5")};
  EXPECT_EQ(rows->front(), expected);
  auto none = db->query("SELECT 1 WHERE 0");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteAdapter, FailingStatementIsStepFailedWithSqlitesText) {
  auto db = open(path());
  ASSERT_TRUE(db);
  auto r = db->execute("ALTER TABLE nope ADD COLUMN x INTEGER");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_NE(r.error().message.find("no such table: nope"), std::string::npos) << r.error().message;
  auto q = db->query("SELEC 1");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("syntax error"), std::string::npos) << q.error().message;
}

TEST_F(SqliteAdapter, RollbackWithoutATransactionIsHarmless) {
  auto db = open(path());
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->rollback().ok());
  EXPECT_FALSE(db->commit().ok());  // COMMIT without BEGIN is a real mistake
}

TEST_F(SqliteAdapter, ClosingWithAnOpenTransactionRollsItBack) {
  {
    auto db = open(path());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->execute("CREATE TABLE t (x INTEGER)").ok());
    ASSERT_TRUE(db->begin().ok());
    ASSERT_TRUE(db->execute("INSERT INTO t VALUES (1)").ok());
  }
  auto db = open(path());
  ASSERT_TRUE(db);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM t"), "0");
}

TEST_F(SqliteAdapter, BeginImmediateWaitsForTheWriterUpToTheBusyTimeout) {
  auto writer = open(path());
  auto other = open(path());
  ASSERT_TRUE(writer && other);
  ASSERT_TRUE(other->set_step_timeouts({.lock = 50ms}).ok());
  ASSERT_TRUE(writer->begin().ok());
  auto blocked = other->begin();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().kind, ErrorKind::step_failed);
  EXPECT_NE(blocked.error().message.find("locked"), std::string::npos) << blocked.error().message;
  // With a longer busy timeout the second writer gets in once the first commits.
  ASSERT_TRUE(other->set_step_timeouts({.lock = 10s}).ok());
  std::thread committer([&] {
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(writer->commit().ok());
  });
  auto waited = other->begin();
  committer.join();
  ASSERT_TRUE(waited.ok()) << waited.error().message;
  EXPECT_TRUE(other->rollback().ok());
}

TEST_F(SqliteAdapter, ZeroStepTimeoutsKeepTheBusyTimeout) {
  auto db = open(path());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->set_step_timeouts({}).ok());
  EXPECT_EQ(scalar(*db, "PRAGMA busy_timeout"), "10000");  // ConnectOptions' default
  ASSERT_TRUE(db->set_step_timeouts({.statement = 5s, .lock = 250ms}).ok());
  EXPECT_EQ(scalar(*db, "PRAGMA busy_timeout"), "250");
}

TEST_F(SqliteAdapter, ListTablesHidesSqliteInternals) {
  auto db = open(path());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->execute("CREATE TABLE zeta (id INTEGER PRIMARY KEY AUTOINCREMENT); "
                          "CREATE TABLE alpha (x INTEGER); CREATE VIEW v AS SELECT 1; "
                          "CREATE TABLE sqlitex (x INTEGER)")
                  .ok());
  auto tables = db->list_tables();
  ASSERT_TRUE(tables.ok());
  // sqlite_sequence (from AUTOINCREMENT) is hidden; "sqlitex" is a user table.
  EXPECT_EQ(*tables, (std::vector<std::string>{"alpha", "sqlitex", "zeta"}));
}

TEST_F(SqliteAdapter, TableExistsIsCaseInsensitiveAndHonoursSchema) {
  auto db = open(path());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->execute("CREATE TABLE Usuario (x INTEGER)").ok());
  EXPECT_TRUE(*db->table_exists("", "usuario"));
  EXPECT_TRUE(*db->table_exists("main", "USUARIO"));
  EXPECT_FALSE(*db->table_exists("", "usuarios"));
  EXPECT_FALSE(db->table_exists("no_such_schema", "usuario").ok());
}

TEST_F(SqliteAdapter, QuoteIdentifierQuotesEachDottedPart) {
  auto db = open("");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->quote_identifier("t"), "\"t\"");
  EXPECT_EQ(db->quote_identifier("main.t"), "\"main\".\"t\"");
  EXPECT_EQ(db->quote_identifier("we\"ird"), "\"we\"\"ird\"");
}

TEST_F(SqliteAdapter, LockFileBesideTheDatabaseNamesTheHolder) {
  auto db = open(path());
  ASSERT_TRUE(db);
  ASSERT_TRUE(*db->try_lock("k"));
  const std::string expected =
      "migration-agent@" + platform::host_name() + ":" + std::to_string(getpid());
  EXPECT_EQ(test::read_file(path() + ".lock"), expected + "\n");
  auto holder = db->lock_holder("k");
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(*holder, expected);
  EXPECT_TRUE(*db->try_lock("k"));  // taking it again while held is fine
  ASSERT_TRUE(db->unlock().ok());
  EXPECT_EQ(*db->lock_holder("k"), std::nullopt);
  EXPECT_TRUE(db->unlock().ok());  // unlocking twice is harmless
}

TEST_F(SqliteAdapter, SecondConnectionCannotTakeAHeldLockButSeesItsHolder) {
  auto first = open(path());
  auto second = open(path());
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(*first->try_lock("k"));
  EXPECT_FALSE(*second->try_lock("k"));
  auto holder = second->lock_holder("k");
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE(holder->has_value());
  EXPECT_NE((*holder)->find(":" + std::to_string(getpid())), std::string::npos);
  first.reset();  // closing the connection releases the lock
  EXPECT_TRUE(*second->try_lock("k"));
}

TEST_F(SqliteAdapter, StaleLockFileFromADeadProcessIsNotHeld) {
  m_dir.write("app.db.lock", "migration-agent@gone:1\n");
  auto db = open(path());
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->lock_holder("k"), std::nullopt);
  EXPECT_TRUE(*db->try_lock("k"));
}

TEST_F(SqliteAdapter, InMemoryLocksAreProcessLocalPerKey) {
  auto a = open("");
  auto b = open("");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(*a->try_lock("magent:sqlite://:memory:#x"));
  EXPECT_FALSE(*b->try_lock("magent:sqlite://:memory:#x"));
  EXPECT_TRUE(b->lock_holder("magent:sqlite://:memory:#x")->has_value());
  EXPECT_TRUE(*b->try_lock("magent:sqlite://:memory:#y"));
  ASSERT_TRUE(a->unlock().ok());
  EXPECT_FALSE(a->lock_holder("magent:sqlite://:memory:#x")->has_value());
  ASSERT_TRUE(b->unlock().ok());
}

TEST_F(SqliteAdapter, UnusableLockFileIsAnIoErrorNamingIt) {
  std::filesystem::create_directory(path() + ".lock");  // cannot be opened for writing
  auto db = open(path());
  ASSERT_TRUE(db);
  auto r = db->try_lock("k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_NE(r.error().message.find(path() + ".lock"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace magent::db
