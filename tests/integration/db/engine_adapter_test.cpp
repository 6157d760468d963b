// PostgreSQL and MySQL/MariaDB adapters against the real servers scripts/test starts:
// connect errors, privileges, statements and parameters, transactions, catalog lookups,
// step timeouts and lost connections. (Locks: engine_lock_test.cpp; statements only one
// engine has: engine_specific_test.cpp.)
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/db/adapter_fixture.hpp"

namespace magent::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class EngineAdapter : public ::testing::TestWithParam<Engine> {
 protected:
  TempDir m_temp;
};

std::string param_name(const ::testing::TestParamInfo<Engine>& info) {
  return engine_name(info.param);
}

// The session's own id, for killing it from outside.
std::string session_id(db::Database& database) {
  auto rows = database.query(database.dialect() == core::Dialect::postgresql
                                 ? "SELECT pg_backend_pid()"
                                 : "SELECT CONNECTION_ID()");
  if (!rows || rows->empty()) return "";
  return rows->front().at(0).value_or("");
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

TEST_P(EngineAdapter, WrongPasswordIsUnreachableAndNeverEchoesThePassword) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  ServerUser user(*db, database_name(*db) + "_pw", "Right-Pw-7");
  if (GetParam() == Engine::mysql) {
    db->sql("GRANT ALL ON " + database_name(*db) + ".* TO '" + user.name() + "'@'%'");
  }
  core::DatabaseUrl url = url_from(db->url());
  url.user = user.name();
  url.password = "Wrong-Pw-42";
  expect_unreachable(db::open_database(options_for(url)), url, "Wrong-Pw-42");

  url.password = "Right-Pw-7";  // the same login works with its password
  EXPECT_NE(open_or_fail(url), nullptr);
}

TEST_P(EngineAdapter, UnknownHostIsUnreachable) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  core::DatabaseUrl url = url_from(db->url());
  url.host = "magent-no-such-host.invalid";
  url.password = "Secret-In-Url";
  expect_unreachable(db::open_database(options_for(url)), url, "Secret-In-Url");
}

TEST_P(EngineAdapter, MissingDatabaseIsUnreachable) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  core::DatabaseUrl url = url_from(db->url());
  url.database = database_name(*db) + "_missing";
  auto opened = db::open_database(options_for(url));
  expect_unreachable(opened, url, "");
  if (!opened) {
    EXPECT_NE(opened.error().message.find(url.database), std::string::npos);
  }
}

TEST_P(EngineAdapter, ClosedPortIsUnreachableQuickly) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  core::DatabaseUrl url = url_from(db->url());
  url.port = closed_port();
  const auto started = Clock::now();
  expect_unreachable(db::open_database(options_for(url)), url, "");
  EXPECT_LT(Clock::now() - started, 3s);
}

TEST_P(EngineAdapter, CreateTableWithoutPrivilegeFailsWithTheServerReason) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  ServerUser user(*db, database_name(*db) + "_ro", "");
  if (GetParam() == Engine::mysql) {
    db->sql("GRANT SELECT ON " + database_name(*db) + ".* TO '" + user.name() + "'@'%'");
  }
  core::DatabaseUrl url = url_from(db->url());
  url.user = user.name();
  auto database = open_or_fail(url);
  ASSERT_NE(database, nullptr);
  auto created = database->execute("CREATE TABLE forbidden (id INTEGER)");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, core::ErrorKind::step_failed);
  EXPECT_NE(lower(created.error().message).find("denied"), std::string::npos)
      << created.error().message;
  EXPECT_EQ(created.error().message.find('\n'), std::string::npos);
}

TEST_P(EngineAdapter, QueryBindsParametersAndLeavesQuotedQuestionMarksAlone) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->execute("CREATE TABLE item (id INTEGER, name VARCHAR(100), note "
                                "VARCHAR(100))").ok());
  const std::string tricky = "what? it's \"quoted\" -- not a comment /* ? */";
  auto inserted = database->query("INSERT INTO item (id, name, note) VALUES (?, ?, ?)",
                                  {std::int64_t{7}, tricky, nullptr});
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  EXPECT_TRUE(inserted->empty());

  auto rows = database->query("SELECT id, name, note, '?', 'it''s ?' FROM item WHERE name = ?",
                              {tricky});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  const db::Row& row = rows->front();
  EXPECT_EQ(row.at(0), "7");
  EXPECT_EQ(row.at(1), tricky);
  EXPECT_EQ(row.at(2), std::nullopt);
  EXPECT_EQ(row.at(3), "?");
  EXPECT_EQ(row.at(4), "it's ?");
  EXPECT_EQ(db->sql("SELECT name FROM item"), tricky + "\n");  // what the server stored
}

TEST_P(EngineAdapter, RollbackUndoesRowsAndCommitKeepsThem) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  db->sql("CREATE TABLE counter (n INTEGER)");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->execute("INSERT INTO counter VALUES (1)").ok());
  ASSERT_TRUE(database->rollback().ok());
  EXPECT_EQ(db->sql("SELECT COUNT(*) FROM counter"), "0\n");

  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->query("INSERT INTO counter VALUES (?)", {std::int64_t{2}}).ok());
  EXPECT_EQ(db->sql("SELECT COUNT(*) FROM counter"), "0\n");  // not visible before COMMIT
  ASSERT_TRUE(database->commit().ok());
  EXPECT_EQ(db->sql("SELECT n FROM counter"), "2\n");
}

TEST_P(EngineAdapter, TableExistsLooksInTheDefaultOrTheNamedSchema) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  db->sql("CREATE TABLE zeta (id INTEGER); CREATE TABLE alpha (id INTEGER);"
          " CREATE VIEW alpha_view AS SELECT id FROM alpha");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  const std::string schema = GetParam() == Engine::postgresql ? "public" : database_name(*db);
  EXPECT_EQ(database->table_exists("", "alpha").value(), true);
  EXPECT_EQ(database->table_exists(schema, "alpha").value(), true);
  EXPECT_EQ(database->table_exists("", "missing").value(), false);
  EXPECT_EQ(database->table_exists("", "alpha_view").value(), false);  // a view, not a table
  EXPECT_EQ(database->table_exists("no_such_schema", "alpha").value(), false);
  auto tables = database->list_tables();
  ASSERT_TRUE(tables.ok()) << tables.error().message;
  EXPECT_EQ(*tables, (std::vector<std::string>{"alpha", "zeta"}));
}

TEST_P(EngineAdapter, QuoteIdentifierQuotesNameAndSchema) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  const std::string table = database->quote_identifier("odd\"na`me");
  ASSERT_TRUE(database->execute("CREATE TABLE " + table + " (id INTEGER)").ok());
  EXPECT_EQ(database->table_exists("", "odd\"na`me").value(), true);
  const std::string schema = GetParam() == Engine::postgresql ? "public" : database_name(*db);
  auto rows = database->query("SELECT COUNT(*) FROM " +
                              database->quote_identifier(schema + ".odd\"na`me"));
  ASSERT_TRUE(rows.ok()) << rows.error().message;
}

TEST_P(EngineAdapter, StatementTimeoutFailsTheStepAndNamesTheTimeout) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->set_step_timeouts({.statement = 200ms}).ok());
  const bool pg = GetParam() == Engine::postgresql;
  const auto started = Clock::now();
  auto slept = database->execute(pg ? "SELECT pg_sleep(3)" : "SELECT SLEEP(3)");
  EXPECT_LT(Clock::now() - started, 2s);
  ASSERT_FALSE(slept.ok());
  EXPECT_EQ(slept.error().kind, core::ErrorKind::step_failed);
  EXPECT_NE(slept.error().message.find(pg ? "statement timeout" : "max_statement_time"),
            std::string::npos)
      << slept.error().message;

  ASSERT_TRUE(database->set_step_timeouts({}).ok());  // zero: back to the server default
  EXPECT_TRUE(database->execute(pg ? "SELECT pg_sleep(0.4)" : "SELECT SLEEP(0.4)").ok());
}

TEST_P(EngineAdapter, LockTimeoutFailsTheStepWhileAnotherSessionHoldsTheTable) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  db->sql("CREATE TABLE busy (id INTEGER)");
  auto holder = open_or_fail(url_from(db->url()));
  auto waiter = open_or_fail(url_from(db->url()));
  ASSERT_NE(holder, nullptr);
  ASSERT_NE(waiter, nullptr);
  const bool pg = GetParam() == Engine::postgresql;
  if (pg) {
    ASSERT_TRUE(holder->begin().ok());
    ASSERT_TRUE(holder->execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE").ok());
  } else {
    ASSERT_TRUE(holder->execute("LOCK TABLES busy WRITE").ok());
  }
  ASSERT_TRUE(waiter->set_step_timeouts({.lock = pg ? 200ms : 1000ms}).ok());
  const auto started = Clock::now();
  auto altered = waiter->execute("ALTER TABLE busy ADD COLUMN extra INTEGER");
  EXPECT_LT(Clock::now() - started, 4s);
  ASSERT_FALSE(altered.ok());
  EXPECT_EQ(altered.error().kind, core::ErrorKind::step_failed);
  EXPECT_NE(lower(altered.error().message).find(pg ? "lock timeout" : "lock wait timeout"),
            std::string::npos)
      << altered.error().message;
}

TEST_P(EngineAdapter, KilledSessionIsReportedAsLostNotACrash) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  const std::string id = session_id(*database);
  ASSERT_FALSE(id.empty());
  db->sql(GetParam() == Engine::postgresql ? "SELECT pg_terminate_backend(" + id + ")"
                                           : "KILL " + id);
  auto first = database->query("SELECT 1");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().kind, core::ErrorKind::unreachable) << first.error().message;
  EXPECT_NE(first.error().message.find(database->describe()), std::string::npos)
      << first.error().message;
  EXPECT_NE(first.error().message.find("lost the connection to "), std::string::npos)
      << first.error().message;
  auto again = database->execute("SELECT 1");  // stays failed: no silent reconnect
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, core::ErrorKind::unreachable);
  EXPECT_FALSE(database->rollback().ok());
}

TEST_P(EngineAdapter, DescribeNamesServerVersionAndAddress) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  const core::DatabaseUrl url = url_from(db->url());
  auto database = open_or_fail(url);
  ASSERT_NE(database, nullptr);
  const std::string where =
      " at " + url.host + ":" + std::to_string(url.port) + "/" + url.database;
  const std::string text = database->describe();
  EXPECT_EQ(text.rfind(GetParam() == Engine::postgresql ? "PostgreSQL 15." : "MariaDB 10.", 0),
            0U)
      << text;
  EXPECT_NE(text.find(where), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Servers, EngineAdapter,
                         ::testing::Values(Engine::postgresql, Engine::mysql), param_name);

}  // namespace
}  // namespace magent::test
