// The pure text helpers of the server adapters: placeholders, conninfo, lock keys.
#include <gtest/gtest.h>

#include "agent/db/adapter_util.hpp"
#include "agent/db/mysql/mysql_database.hpp"
#include "agent/db/postgres/postgres_text.hpp"

namespace magent::db {
namespace {

using namespace std::chrono_literals;

TEST(PostgresPlaceholders, NumbersQuestionMarksInOrder) {
  EXPECT_EQ(to_postgres_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(to_postgres_placeholders("SELECT 1"), "SELECT 1");
}

TEST(PostgresPlaceholders, LeavesQuotesIdentifiersAndCommentsAlone) {
  EXPECT_EQ(to_postgres_placeholders("SELECT '?', 'it''s ?', ?"), "SELECT '?', 'it''s ?', $1");
  EXPECT_EQ(to_postgres_placeholders(R"(SELECT E'\'?', ?)"), R"(SELECT E'\'?', $1)");
  EXPECT_EQ(to_postgres_placeholders(R"(SELECT "odd?""name" FROM t WHERE x = ?)"),
            R"(SELECT "odd?""name" FROM t WHERE x = $1)");
  EXPECT_EQ(to_postgres_placeholders("SELECT ? -- why?\n, ? /* a /* nested? */ ? */ , ?"),
            "SELECT $1 -- why?\n, $2 /* a /* nested? */ ? */ , $3");
}

TEST(PostgresPlaceholders, LeavesDollarQuotedBodiesAlone) {
  EXPECT_EQ(to_postgres_placeholders("SELECT $$?$$, $tag$ $$ ? $tag$, ?"),
            "SELECT $$?$$, $tag$ $$ ? $tag$, $1");
  EXPECT_EQ(to_postgres_placeholders("SELECT $1, ?"), "SELECT $1, $1");  // $1 is no quote
  EXPECT_EQ(to_postgres_placeholders("SELECT a$b$c, ?"), "SELECT a$b$c, $1");
}

TEST(PostgresConninfo, QuotesValuesAndLetsOptionsWin) {
  core::DatabaseUrl url;
  url.dialect = core::Dialect::postgresql;
  url.user = "app";
  url.password = R"(p'w\d)";
  url.host = "db.example";
  url.port = 6432;
  url.database = "lms";
  url.query = {{"sslmode", "require"}, {"application_name", "ignored"}};
  EXPECT_EQ(postgres_conninfo(url, 2500ms, "agent@h:1"),
            R"(host='db.example' port='6432' user='app' password='p\'w\\d' dbname='lms' )"
            R"(sslmode='require' keepalives_idle='30' keepalives_interval='10' )"
            R"(keepalives_count='3' connect_timeout='3' application_name='agent@h:1')");
  EXPECT_EQ(postgres_address(url), "db.example:6432/lms");
}

TEST(PostgresConninfo, SocketDirectoryReplacesTheHostAndTimeoutIsAtLeastOneSecond) {
  core::DatabaseUrl url;
  url.host = "ignored";
  url.database = "lms";
  url.query = {{"host", "/run/postgresql"}, {"keepalives_idle", "5"}};
  EXPECT_EQ(postgres_conninfo(url, 10ms, "a"),
            "dbname='lms' host='/run/postgresql' keepalives_idle='5' keepalives_interval='10' "
            "keepalives_count='3' connect_timeout='1' application_name='a'");
  EXPECT_EQ(postgres_address(url), "/run/postgresql:5432/lms");
}

TEST(LockKeys, Fnv1a64MatchesTheReferenceVectors) {
  static_assert(fnv1a64("") == 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(hex64(0xaf63dc4c8601ec8cULL), "af63dc4c8601ec8c");
}

TEST(LockKeys, MysqlLockNamesCarryTheDatabaseAndStayWithin64Characters) {
  EXPECT_EQ(mysql_lock_name("app", "migration-agent"), "magent:app:migration-agent");
  EXPECT_NE(mysql_lock_name("app", "k"), mysql_lock_name("other", "k"));
  const std::string long_key(100, 'k');
  const std::string name = mysql_lock_name("app", long_key);
  EXPECT_EQ(name.size(), 64U);
  EXPECT_EQ(name.rfind("magent:app:kkk", 0), 0U);
  EXPECT_NE(name, mysql_lock_name("app", long_key + "x"));
  EXPECT_LE(mysql_lock_name("app", std::string(60, 'k') + "ñandú").size(), 64U);
}

TEST(OneLine, JoinsLinesAndDropsCaretMarkers) {
  EXPECT_EQ(one_line("ERROR:  boom\nLINE 1: SELEC\n        ^\nHINT:  try\n"),
            "ERROR:  boom LINE 1: SELEC HINT:  try");
  EXPECT_EQ(one_line("plain"), "plain");
}

}  // namespace
}  // namespace magent::db
