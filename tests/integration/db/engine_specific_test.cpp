// What only one server engine does: PostgreSQL's dollar quoting, DO blocks, CREATE INDEX
// CONCURRENTLY, transactional DDL and search_path; MySQL's BEGIN ... END triggers, its
// implicit commit around DDL and utf8mb4; connecting over each server's Unix socket.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/db/adapter_fixture.hpp"

namespace magent::test {
namespace {

class PostgresAdapter : public ::testing::Test {
 protected:
  TempDir m_temp;
};

class MysqlAdapter : public ::testing::Test {
 protected:
  TempDir m_temp;
};

// The state dir of the servers scripts/test-servers started, or "" for other servers.
std::string servers_dir() {
  const char* dir = std::getenv("MAGENT_TEST_SERVERS_DIR");
  return dir == nullptr ? "" : dir;
}

TEST_F(PostgresAdapter, ExecutesDollarQuotedFunctionsAndDoBlocksVerbatim) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  auto created = database->execute(R"sql(
CREATE FUNCTION add_one(n integer) RETURNS integer LANGUAGE plpgsql AS $body$
DECLARE
  note text := 'semicolons; and ? marks $$ inside';
BEGIN
  RETURN n + 1;
END;
$body$)sql");
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto block = database->execute(
      "DO $$ BEGIN CREATE TABLE made_by_do (id integer); END $$");
  ASSERT_TRUE(block.ok()) << block.error().message;
  EXPECT_TRUE(database->table_exists("", "made_by_do").value());
  auto rows = database->query("SELECT add_one(?), $$?$$", {std::int64_t{41}});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->at(0).at(0), "42");
  EXPECT_EQ(rows->at(0).at(1), "?");
}

TEST_F(PostgresAdapter, CreateIndexConcurrentlyRunsOutsideATransactionOnly) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  db->sql("CREATE TABLE big (id integer)");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->begin().ok());
  auto inside = database->execute("CREATE INDEX CONCURRENTLY big_id_inside ON big (id)");
  ASSERT_FALSE(inside.ok());
  EXPECT_EQ(inside.error().kind, core::ErrorKind::step_failed);
  EXPECT_NE(inside.error().message.find("transaction block"), std::string::npos)
      << inside.error().message;
  ASSERT_TRUE(database->rollback().ok());

  auto outside = database->execute("CREATE INDEX CONCURRENTLY big_id ON big (id)");
  ASSERT_TRUE(outside.ok()) << outside.error().message;
  EXPECT_EQ(db->sql("SELECT indexname FROM pg_indexes WHERE tablename = 'big'"), "big_id\n");
}

TEST_F(PostgresAdapter, RollbackUndoesDdl) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  EXPECT_TRUE(database->transactional_ddl());
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->execute("CREATE TABLE short_lived (id integer)").ok());
  EXPECT_TRUE(database->table_exists("", "short_lived").value());
  ASSERT_TRUE(database->rollback().ok());
  EXPECT_FALSE(database->table_exists("", "short_lived").value());
}

TEST_F(PostgresAdapter, CommitAfterAFailedStatementIsRefused) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->execute("CREATE TABLE half_done (id integer)").ok());
  ASSERT_FALSE(database->execute("INSERT INTO no_such_table VALUES (1)").ok());
  auto committed = database->commit();
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().kind, core::ErrorKind::step_failed);
  EXPECT_FALSE(database->table_exists("", "half_done").value());
  EXPECT_TRUE(database->query("SELECT 1").ok());  // the session is usable again
}

// BEGIN goes out with the transaction's first statement (or just before it when that has
// parameters); a transaction that ran nothing costs no round trip and leaves no state.
TEST_F(PostgresAdapter, TheDeferredBeginOpensTheTransactionOfTheFirstStatement) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  db->sql("CREATE TABLE kept (id integer)");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->commit().ok());
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->rollback().ok());
  // First statement failing: the transaction is still one, and refuses to commit.
  ASSERT_TRUE(database->begin().ok());
  ASSERT_FALSE(database->execute("INSERT INTO no_such_table VALUES (1)").ok());
  ASSERT_FALSE(database->execute("CREATE TABLE after_failure (id integer)").ok());
  EXPECT_FALSE(database->commit().ok());
  EXPECT_FALSE(database->table_exists("", "after_failure").value());
  // First statement with parameters: still inside the transaction.
  ASSERT_TRUE(database->begin().ok());
  auto added = database->modify("INSERT INTO kept (id) VALUES (?)", {std::int64_t{1}});
  ASSERT_TRUE(added.ok()) << added.error().message;
  ASSERT_TRUE(database->rollback().ok());
  EXPECT_EQ(db->sql("SELECT count(*) FROM kept"), "0\n");
  // And after a commit, outside any transaction again: autocommit.
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->execute("INSERT INTO kept VALUES (2)").ok());
  ASSERT_TRUE(database->commit().ok());
  ASSERT_TRUE(database->execute("INSERT INTO kept VALUES (3)").ok());
  EXPECT_EQ(db->sql("SELECT count(*) FROM kept"), "2\n");
}

TEST_F(PostgresAdapter, TableExistsFollowsTheSearchPath) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  db->sql("CREATE SCHEMA tenant; CREATE TABLE tenant.only_here (id integer)");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  EXPECT_FALSE(database->table_exists("", "only_here").value());
  EXPECT_TRUE(database->table_exists("tenant", "only_here").value());
  ASSERT_TRUE(database->execute("SET search_path = tenant, public").ok());
  EXPECT_TRUE(database->table_exists("", "only_here").value());
  EXPECT_EQ(database->list_tables().value(), std::vector<std::string>{"only_here"});
}

TEST_F(PostgresAdapter, ConnectsThroughTheSocketDirectoryOption) {
  MAGENT_REQUIRE_DATABASE(db, Engine::postgresql, m_temp);
  if (servers_dir().empty()) GTEST_SKIP() << "socket path known only for scripts/test-servers";
  core::DatabaseUrl url = url_from(db->url());
  url.host.clear();
  url.port = 0;
  url.query["host"] = servers_dir() + "/pg/sock";
  url.query["port"] = std::to_string(url_from(db->url()).port);  // names the socket file
  url.query["sslmode"] = "disable";
  auto database = open_or_fail(url);
  ASSERT_NE(database, nullptr);
  EXPECT_NE(database->describe().find(servers_dir() + "/pg/sock:"), std::string::npos)
      << database->describe();
  EXPECT_EQ(database->query("SELECT inet_client_addr() IS NULL")->at(0).at(0), "t");
}

TEST_F(MysqlAdapter, CreateTriggerWithBeginEndIsOneStatement) {
  MAGENT_REQUIRE_DATABASE(db, Engine::mysql, m_temp);
  db->sql("CREATE TABLE tagged (n INTEGER, label VARCHAR(50))");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  auto created = database->execute(
      "CREATE TRIGGER tagged_before_insert BEFORE INSERT ON tagged FOR EACH ROW\n"
      "BEGIN\n"
      "  SET NEW.n = NEW.n + 1;\n"
      "  SET NEW.label = CONCAT(NEW.label, '; done?');\n"
      "END");
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_TRUE(database->query("INSERT INTO tagged VALUES (?, ?)", {std::int64_t{1}, "x"}).ok());
  EXPECT_EQ(db->sql("SELECT n, label FROM tagged"), "2\tx; done?\n");
}

TEST_F(MysqlAdapter, DdlCommitsImplicitlyInsideATransaction) {
  MAGENT_REQUIRE_DATABASE(db, Engine::mysql, m_temp);
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  EXPECT_FALSE(database->transactional_ddl());
  ASSERT_TRUE(database->begin().ok());
  ASSERT_TRUE(database->execute("CREATE TABLE survives (id INTEGER)").ok());
  ASSERT_TRUE(database->rollback().ok());
  EXPECT_TRUE(database->table_exists("", "survives").value());
}

TEST_F(MysqlAdapter, TextRoundTripsAsUtf8mb4) {
  MAGENT_REQUIRE_DATABASE(db, Engine::mysql, m_temp);
  db->sql("CREATE TABLE words (w VARCHAR(20)) DEFAULT CHARSET = utf8mb4");
  auto database = open_or_fail(url_from(db->url()));
  ASSERT_NE(database, nullptr);
  const std::string word = "ñandú 🦤";
  ASSERT_TRUE(database->query("INSERT INTO words VALUES (?)", {word}).ok());
  auto rows = database->query("SELECT w, @@character_set_client FROM words");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->at(0).at(0), word);
  EXPECT_EQ(rows->at(0).at(1), "utf8mb4");
}

TEST_F(MysqlAdapter, ConnectsThroughTheUnixSocketOption) {
  MAGENT_REQUIRE_DATABASE(db, Engine::mysql, m_temp);
  if (servers_dir().empty()) GTEST_SKIP() << "socket path known only for scripts/test-servers";
  core::DatabaseUrl url = url_from(db->url());
  url.host = "localhost";
  url.port = 0;
  url.query["unix_socket"] = servers_dir() + "/my/mysqld.sock";
  auto database = open_or_fail(url);
  ASSERT_NE(database, nullptr);
  auto rows = database->query("SELECT USER()");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->at(0).at(0), "magent@localhost");
  EXPECT_NE(database->describe().find("unix:" + servers_dir()), std::string::npos)
      << database->describe();
}

}  // namespace
}  // namespace magent::test
