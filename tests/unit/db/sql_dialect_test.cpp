#include "agent/db/sql_dialect.hpp"

#include <gtest/gtest.h>

namespace magent::db {
namespace {

using core::Dialect;
using core::VersionOp;

constexpr Dialect k_all[] = {Dialect::sqlite, Dialect::postgresql, Dialect::mysql};

// What Alembic 1.8.1 / SQLAlchemy 1.4 print for `alembic upgrade --sql` and store in
// sqlite_master: tab indentation, a space after each comma.
constexpr const char* k_alembic_ddl =
    "CREATE TABLE alembic_version (\n"
    "\tversion_num VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
    ")";

TEST(SqlDialect, DefaultVersionTableDdlIsAlembicsOnEveryDialect) {
  for (Dialect d : k_all) EXPECT_EQ(create_version_table_sql(d, VersionTable{}), k_alembic_ddl);
}

TEST(SqlDialect, VersionTableWidthIsConfigurable) {
  const std::string ddl = create_version_table_sql(Dialect::postgresql, {.width = 255});
  EXPECT_NE(ddl.find("version_num VARCHAR(255) NOT NULL"), std::string::npos) << ddl;
}

TEST(SqlDialect, MixedCaseNameAndSchemaAreQuotedAsAlembicDoes) {
  const VersionTable table{.name = "My_Versions", .schema = "s1"};
  EXPECT_EQ(create_version_table_sql(Dialect::sqlite, table),
            "CREATE TABLE s1.\"My_Versions\" (\n\tversion_num VARCHAR(32) NOT NULL, \n"
            "\tCONSTRAINT \"My_Versions_pkc\" PRIMARY KEY (version_num)\n)");
  EXPECT_EQ(create_version_table_sql(Dialect::mysql, table),
            "CREATE TABLE s1.`My_Versions` (\n\tversion_num VARCHAR(32) NOT NULL, \n"
            "\tCONSTRAINT `My_Versions_pkc` PRIMARY KEY (version_num)\n)");
}

TEST(SqlDialect, ReservedTableNameIsQuotedButItsConstraintNameIsNot) {
  const std::string ddl = create_version_table_sql(Dialect::postgresql, {.name = "order"});
  EXPECT_EQ(ddl,
            "CREATE TABLE \"order\" (\n\tversion_num VARCHAR(32) NOT NULL, \n"
            "\tCONSTRAINT order_pkc PRIMARY KEY (version_num)\n)");
}

TEST(SqlDialect, ReservedWordsDifferPerDialect) {
  // SQLAlchemy reserves "user" only for PostgreSQL, "trigger" and "key" not for PostgreSQL.
  EXPECT_EQ(quote_name(Dialect::postgresql, "user"), "\"user\"");
  EXPECT_EQ(quote_name(Dialect::sqlite, "user"), "user");
  EXPECT_EQ(quote_name(Dialect::mysql, "user"), "user");
  EXPECT_EQ(quote_name(Dialect::postgresql, "trigger"), "trigger");
  EXPECT_EQ(quote_name(Dialect::sqlite, "trigger"), "\"trigger\"");
  EXPECT_EQ(quote_name(Dialect::mysql, "trigger"), "`trigger`");
  EXPECT_TRUE(is_reserved_word(Dialect::mysql, "key"));
  EXPECT_FALSE(is_reserved_word(Dialect::postgresql, "key"));
}

TEST(SqlDialect, QuotesIllegalAndLeadingCharactersOnly) {
  EXPECT_EQ(quote_name(Dialect::sqlite, "alembic_version"), "alembic_version");
  EXPECT_EQ(quote_name(Dialect::sqlite, "_x"), "_x");
  EXPECT_EQ(quote_name(Dialect::sqlite, "ver$x"), "ver$x");
  EXPECT_EQ(quote_name(Dialect::sqlite, "9a"), "\"9a\"");
  EXPECT_EQ(quote_name(Dialect::sqlite, "$a"), "\"$a\"");
  EXPECT_EQ(quote_name(Dialect::sqlite, "a b"), "\"a b\"");
  EXPECT_EQ(quote_name(Dialect::sqlite, "a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(quote_name(Dialect::mysql, "a`b"), "`a``b`");
}

TEST(SqlDialect, QualifiedNameOmitsEmptySchema) {
  EXPECT_EQ(qualified_name(Dialect::postgresql, "", "t"), "t");
  EXPECT_EQ(qualified_name(Dialect::postgresql, "Public", "user"), "\"Public\".\"user\"");
  EXPECT_EQ(qualified_name(Dialect::mysql, "Public", "user"), "`Public`.user");
}

TEST(SqlDialect, StringLiteralsEscapeQuotesAndMysqlBackslashes) {
  EXPECT_EQ(string_literal(Dialect::sqlite, "it's"), "'it''s'");
  EXPECT_EQ(string_literal(Dialect::postgresql, "a\\b"), "'a\\b'");
  EXPECT_EQ(string_literal(Dialect::mysql, "a\\b'"), "'a\\\\b'''");
}

TEST(SqlDialect, LiteralVersionOpsMatchAlembicOfflineOutput) {
  const VersionTable t;
  const VersionOp insert{.kind = VersionOp::Kind::insert, .to = "a1"};
  const VersionOp update{.kind = VersionOp::Kind::update, .from = "a1", .to = "b2"};
  const VersionOp remove{.kind = VersionOp::Kind::remove, .from = "a1"};
  EXPECT_EQ(render_version_op(Dialect::sqlite, t, insert, ValueStyle::literals).sql,
            "INSERT INTO alembic_version (version_num) VALUES ('a1')");
  EXPECT_EQ(render_version_op(Dialect::mysql, t, insert, ValueStyle::literals).sql,
            "INSERT INTO alembic_version (version_num) VALUES ('a1')");
  EXPECT_EQ(render_version_op(Dialect::postgresql, t, insert, ValueStyle::literals).sql,
            "INSERT INTO alembic_version (version_num) VALUES ('a1') "
            "RETURNING alembic_version.version_num");
  for (Dialect d : k_all) {
    EXPECT_EQ(render_version_op(d, t, update, ValueStyle::literals).sql,
              "UPDATE alembic_version SET version_num='b2' "
              "WHERE alembic_version.version_num = 'a1'");
    EXPECT_EQ(render_version_op(d, t, remove, ValueStyle::literals).sql,
              "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a1'");
    EXPECT_TRUE(render_version_op(d, t, update, ValueStyle::literals).params.empty());
  }
}

TEST(SqlDialect, LiteralVersionOpsQualifyTheColumnWithTheSchema) {
  const VersionTable t{.name = "My_Versions", .schema = "s1"};
  const VersionOp update{.kind = VersionOp::Kind::update, .from = "a1", .to = "b2"};
  EXPECT_EQ(render_version_op(Dialect::postgresql, t, update, ValueStyle::literals).sql,
            "UPDATE s1.\"My_Versions\" SET version_num='b2' "
            "WHERE s1.\"My_Versions\".version_num = 'a1'");
}

TEST(SqlDialect, PlaceholderVersionOpsBindValuesInStatementOrder) {
  const VersionTable t;
  const auto update = render_version_op(Dialect::sqlite, t,
                                        {.kind = VersionOp::Kind::update, .from = "a1", .to = "b2"},
                                        ValueStyle::placeholders);
  EXPECT_EQ(update.sql,
            "UPDATE alembic_version SET version_num=? WHERE alembic_version.version_num = ?");
  EXPECT_EQ(update.params, (std::vector<std::string>{"b2", "a1"}));
  const auto remove = render_version_op(
      Dialect::mysql, t, {.kind = VersionOp::Kind::remove, .from = "x"}, ValueStyle::placeholders);
  EXPECT_EQ(remove.sql, "DELETE FROM alembic_version WHERE alembic_version.version_num = ?");
  EXPECT_EQ(remove.params, (std::vector<std::string>{"x"}));
}

TEST(SqlDialect, CountAndSelectStatementsReadTheConfiguredTable) {
  const VersionTable t{.name = "versions", .schema = "app"};
  EXPECT_EQ(count_version_sql(Dialect::sqlite, t),
            "SELECT COUNT(*) FROM app.versions WHERE app.versions.version_num = ?");
  EXPECT_EQ(select_versions_sql(Dialect::mysql, t),
            "SELECT version_num FROM app.versions ORDER BY version_num");
  EXPECT_EQ(delete_all_versions_sql(Dialect::postgresql, t), "DELETE FROM app.versions");
}

TEST(SqlDialect, LedgerDdlUsesEachEnginesAutoincrementAndQuotesTrigger) {
  const LedgerTable t;
  const std::string sqlite = create_ledger_sql(Dialect::sqlite, t);
  const std::string pg = create_ledger_sql(Dialect::postgresql, t);
  const std::string my = create_ledger_sql(Dialect::mysql, t);
  EXPECT_EQ(sqlite.rfind("CREATE TABLE IF NOT EXISTS migration_agent_log (", 0), 0u) << sqlite;
  EXPECT_NE(sqlite.find("id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"), std::string::npos);
  EXPECT_NE(pg.find("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"), std::string::npos);
  EXPECT_NE(my.find("id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"), std::string::npos);
  EXPECT_NE(sqlite.find("\"trigger\" VARCHAR(16) NOT NULL"), std::string::npos);
  EXPECT_NE(my.find("`trigger` VARCHAR(16) NOT NULL"), std::string::npos);
  EXPECT_NE(pg.find("\ttrigger VARCHAR(16) NOT NULL"), std::string::npos);
  for (const std::string& ddl : {sqlite, pg, my}) {
    for (const char* column :
         {"revision", "direction", "path", "checksum", "started_at", "finished_at", "duration_ms",
          "outcome", "error", "host", "pid", "agent_version", "peer_uid", "peer_pid",
          "versions_after", "schema_fingerprint"}) {
      EXPECT_NE(ddl.find(std::string("\t") + column + " "), std::string::npos) << column;
    }
  }
}

TEST(SqlDialect, LedgerDdlHonoursSchemaAndName) {
  const std::string ddl = create_ledger_sql(Dialect::postgresql, {.name = "Log", .schema = "ops"});
  EXPECT_EQ(ddl.rfind("CREATE TABLE IF NOT EXISTS ops.\"Log\" (", 0), 0u) << ddl;
}

}  // namespace
}  // namespace magent::db
