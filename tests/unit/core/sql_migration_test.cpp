#include "agent/core/sql_migration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace magent::core {
namespace {

Revision parse_ok(std::string_view text, std::string_view path = "0002_phone.sql") {
  Result<Revision> result = parse_sql_migration(path, text);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : Revision{};
}

std::string parse_error(std::string_view text, std::string_view path = "0002_phone.sql") {
  Result<Revision> result = parse_sql_migration(path, text);
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.error().kind, ErrorKind::parse);
  return result.error().message;
}

std::vector<std::string> sqls(const Revision& revision, Direction direction, Dialect dialect) {
  Result<std::vector<Statement>> statements = statements_for(revision, direction, dialect);
  EXPECT_TRUE(statements.ok()) << (statements.ok() ? "" : statements.error().message);
  std::vector<std::string> out;
  if (!statements.ok()) return out;
  for (const Statement& s : *statements) out.push_back(s.sql);
  return out;
}

using Sqls = std::vector<std::string>;

constexpr std::string_view k_full =
    "-- revision: 20260125_120000\n"
    "-- down_revision: 20260120_100000\n"
    "-- branch_labels: default\n"
    "-- depends_on: 20260101_000000\n"
    "-- message: Add phone field to users\n"
    "-- transaction: per-migration\n"
    "\n"
    "-- +upgrade\n"
    "ALTER TABLE usuario ADD COLUMN telefono VARCHAR(20);\n"
    "-- +downgrade\n"
    "ALTER TABLE usuario DROP COLUMN telefono;\n";

TEST(SqlMigration, ReadsEveryHeaderKey) {
  const Revision revision = parse_ok(k_full);
  EXPECT_EQ(revision.id, "20260125_120000");
  EXPECT_EQ(revision.down_revisions, (Sqls{"20260120_100000"}));
  EXPECT_EQ(revision.branch_labels, (Sqls{"default"}));
  EXPECT_EQ(revision.depends_on, (Sqls{"20260101_000000"}));
  EXPECT_EQ(revision.message, "Add phone field to users");
  EXPECT_EQ(revision.transaction, TransactionMode::per_migration);
  EXPECT_EQ(revision.kind, FileKind::sql);
  EXPECT_EQ(revision.path, "0002_phone.sql");
  EXPECT_TRUE(revision.checksum.empty());
}

TEST(SqlMigration, StoresSectionBodiesWithFirstLine) {
  const Revision revision = parse_ok(k_full);
  ASSERT_TRUE(revision.sql);
  const auto& up = revision.sql->upgrade[SqlSections::k_generic];
  EXPECT_TRUE(up.present);
  EXPECT_EQ(up.first_line, 9);
  EXPECT_EQ(up.text, "ALTER TABLE usuario ADD COLUMN telefono VARCHAR(20);\n");
  const auto& down = revision.sql->downgrade[SqlSections::k_generic];
  EXPECT_EQ(down.first_line, 11);
  EXPECT_FALSE(revision.sql->upgrade[SqlSections::index_of(Dialect::mysql)].present);
}

TEST(SqlMigration, StatementsCarryFileLines) {
  const Revision revision = parse_ok(k_full);
  Result<std::vector<Statement>> down =
      statements_for(revision, Direction::downgrade, Dialect::postgresql);
  ASSERT_TRUE(down.ok());
  ASSERT_EQ(down->size(), 1u);
  EXPECT_EQ((*down)[0].sql, "ALTER TABLE usuario DROP COLUMN telefono");
  EXPECT_EQ((*down)[0].line, 11);
}

TEST(SqlMigration, NoneOrEmptyDownRevisionIsABase) {
  EXPECT_TRUE(
      parse_ok("-- revision: a\n-- down_revision: none\n-- +upgrade\n").down_revisions.empty());
  EXPECT_TRUE(
      parse_ok("-- revision: a\n-- down_revision: None\n-- +upgrade\n").down_revisions.empty());
  EXPECT_TRUE(parse_ok("-- revision: a\n-- down_revision:\n-- +upgrade\n").down_revisions.empty());
  EXPECT_TRUE(parse_ok("-- revision: a\n-- +upgrade\n").down_revisions.empty());
}

TEST(SqlMigration, CommaSeparatedDownRevisionIsAMergePoint) {
  const Revision revision =
      parse_ok("-- revision: m1\n-- down_revision: a1 , b2,c3\n-- +upgrade\n");
  EXPECT_EQ(revision.down_revisions, (Sqls{"a1", "b2", "c3"}));
}

TEST(SqlMigration, EmptyUpgradeSectionIsLegalForMerges) {
  const Revision revision = parse_ok("-- revision: m1\n-- down_revision: a, b\n-- +upgrade\n");
  EXPECT_TRUE(sqls(revision, Direction::upgrade, Dialect::sqlite).empty());
}

TEST(SqlMigration, TransactionNoneIsRead) {
  const Revision revision = parse_ok(
      "-- revision: idx\n-- transaction: none\n-- +upgrade\nCREATE INDEX CONCURRENTLY i ON "
      "t(x);\n");
  EXPECT_EQ(revision.transaction, TransactionMode::none);
}

TEST(SqlMigration, DialectSectionWinsForItsDialectOnly) {
  const Revision revision = parse_ok(
      "-- revision: r\n"
      "-- +upgrade\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n"
      "-- +upgrade mysql\nCREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n"
      "-- +upgrade postgres\nCREATE TABLE t (id SERIAL PRIMARY KEY);\n");
  EXPECT_EQ(sqls(revision, Direction::upgrade, Dialect::sqlite),
            (Sqls{"CREATE TABLE t (id INTEGER PRIMARY KEY)"}));
  EXPECT_EQ(sqls(revision, Direction::upgrade, Dialect::mysql),
            (Sqls{"CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB"}));
  EXPECT_EQ(sqls(revision, Direction::upgrade, Dialect::postgresql),
            (Sqls{"CREATE TABLE t (id SERIAL PRIMARY KEY)"}));
}

TEST(SqlMigration, MariadbIsAnAliasForMysqlSections) {
  const Revision revision = parse_ok("-- revision: r\n-- +upgrade mariadb\nSELECT 1;\n");
  EXPECT_TRUE(revision.sql->upgrade[SqlSections::index_of(Dialect::mysql)].present);
}

TEST(SqlMigration, MissingDowngradeIsAResolutionErrorNamingRevisionAndPath) {
  const Revision revision = parse_ok("-- revision: abc\n-- +upgrade\nSELECT 1;\n");
  Result<std::vector<Statement>> down =
      statements_for(revision, Direction::downgrade, Dialect::sqlite);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().kind, ErrorKind::resolution);
  EXPECT_EQ(down.error().message, "revision abc (0002_phone.sql) has no downgrade section");
}

TEST(SqlMigration, MissingSectionForOneDialectNamesTheDialect) {
  const Revision revision = parse_ok("-- revision: abc\n-- +upgrade postgresql\nSELECT 1;\n");
  Result<std::vector<Statement>> up = statements_for(revision, Direction::upgrade, Dialect::mysql);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().kind, ErrorKind::resolution);
  EXPECT_EQ(up.error().message, "revision abc (0002_phone.sql) has no upgrade section for mysql");
}

TEST(SqlMigration, StatementsForPythonRevisionIsAnError) {
  Revision python;
  python.id = "p";
  python.path = "p.py";
  python.kind = FileKind::python;
  Result<std::vector<Statement>> up = statements_for(python, Direction::upgrade, Dialect::mysql);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().kind, ErrorKind::resolution);
}

TEST(SqlMigration, OrdinaryCommentsInHeaderAreIgnored) {
  const Revision revision = parse_ok(
      "-- Note: run this after the backup\n-- author: ana\n-- TODO: nothing\n"
      "-- plain comment\n-- revision: r1\n\n-- +upgrade\nSELECT 1;\n");
  EXPECT_EQ(revision.id, "r1");
}

TEST(SqlMigration, BomAndCrlfAreAccepted) {
  const Revision revision =
      parse_ok("\xEF\xBB\xBF-- revision: r1\r\n-- message: hi\r\n-- +upgrade\r\nSELECT 1;\r\n");
  EXPECT_EQ(revision.id, "r1");
  EXPECT_EQ(revision.message, "hi");
  EXPECT_EQ(sqls(revision, Direction::upgrade, Dialect::sqlite), (Sqls{"SELECT 1"}));
}

TEST(SqlMigration, MessageKeyInsideSectionIsJustAComment) {
  const Revision revision =
      parse_ok("-- revision: r1\n-- +upgrade\n-- message: why we do this\nSELECT 1;\n");
  EXPECT_TRUE(revision.message.empty());
}

TEST(SqlMigration, SectionMarkersAreCaseInsensitive) {
  const Revision revision = parse_ok("-- revision: r1\n--+Upgrade MySQL\nSELECT 1;\n");
  EXPECT_TRUE(revision.sql->upgrade[SqlSections::index_of(Dialect::mysql)].present);
}

// --- errors ------------------------------------------------------------------------------

TEST(SqlMigration, MissingRevisionIsAnError) {
  EXPECT_EQ(parse_error("-- down_revision: a\n-- +upgrade\nSELECT 1;\n"),
            "0002_phone.sql:1: missing '-- revision: <id>' header line");
}

TEST(SqlMigration, DuplicateKeyNamesBothLines) {
  EXPECT_EQ(parse_error("-- revision: a\n-- message: x\n-- revision: b\n-- +upgrade\n"),
            "0002_phone.sql:3: duplicate header key 'revision' (first on line 1)");
}

TEST(SqlMigration, DuplicateSectionNamesBothLines) {
  EXPECT_EQ(parse_error("-- revision: a\n-- +upgrade\nSELECT 1;\n-- +upgrade\nSELECT 2;\n"),
            "0002_phone.sql:4: duplicate section '-- +upgrade' (first on line 2)");
  EXPECT_EQ(parse_error("-- revision: a\n-- +downgrade postgres\n-- +downgrade postgresql\n"),
            "0002_phone.sql:3: duplicate section '-- +downgrade postgresql' (first on line 2)");
}

TEST(SqlMigration, UnknownDialectIsAnError) {
  EXPECT_EQ(parse_error("-- revision: a\n-- +upgrade oracle\nSELECT 1;\n"),
            "0002_phone.sql:2: unknown dialect 'oracle' in '-- +upgrade' (expected sqlite, "
            "postgresql, postgres, mysql or mariadb)");
}

TEST(SqlMigration, UnknownSectionMarkerIsAnError) {
  const std::string message = parse_error("-- revision: a\n-- +up\nSELECT 1;\n");
  EXPECT_EQ(message.rfind("0002_phone.sql:2: unknown section marker '+up'", 0), 0u) << message;
}

TEST(SqlMigration, TextAfterSectionDialectIsAnError) {
  EXPECT_EQ(parse_error("-- revision: a\n-- +upgrade mysql now\n"),
            "0002_phone.sql:2: unexpected 'now' after '-- +upgrade mysql'");
}

TEST(SqlMigration, UnknownTransactionModeNamesRevision) {
  EXPECT_EQ(parse_error("-- revision: a1\n-- transaction: single\n-- +upgrade\n"),
            "0002_phone.sql:2: revision a1: unknown transaction mode 'single' (expected "
            "per-migration or none)");
}

TEST(SqlMigration, IllegalCharactersInRevisionId) {
  EXPECT_EQ(parse_error("-- revision: add-phone\n-- +upgrade\n"),
            "0002_phone.sql:1: revision: Character(s) '-' not allowed in revision identifier "
            "'add-phone'");
  EXPECT_EQ(parse_error("-- revision: a@b+c\n-- +upgrade\n"),
            "0002_phone.sql:1: revision: Character(s) '+, @' not allowed in revision "
            "identifier 'a@b+c'");
  EXPECT_EQ(parse_error("-- revision: a:b\n-- +upgrade\n"),
            "0002_phone.sql:1: revision: Character(s) ':' not allowed in revision identifier "
            "'a:b'");
  EXPECT_EQ(parse_error("-- revision: two words\n-- +upgrade\n"),
            "0002_phone.sql:1: revision: Character(s) 'whitespace' not allowed in revision "
            "identifier 'two words'");
}

TEST(SqlMigration, EmptyRevisionIsAnError) {
  EXPECT_EQ(parse_error("-- revision:\n-- +upgrade\n"),
            "0002_phone.sql:1: revision: empty revision identifier");
}

TEST(SqlMigration, IllegalCharactersInDownRevisionAndDependsOn) {
  EXPECT_EQ(parse_error("-- revision: b\n-- down_revision: a-1\n-- +upgrade\n"),
            "0002_phone.sql:2: down_revision: Character(s) '-' not allowed in revision "
            "identifier 'a-1'");
  EXPECT_EQ(parse_error("-- revision: b\n-- down_revision: a1\n-- depends_on: x y\n-- +upgrade\n"),
            "0002_phone.sql:3: depends_on: Character(s) 'whitespace' not allowed in revision "
            "identifier 'x y'");
}

TEST(SqlMigration, EmptyIdInMergeListIsAnError) {
  EXPECT_EQ(parse_error("-- revision: m\n-- down_revision: a,,b\n-- +upgrade\n"),
            "0002_phone.sql:2: down_revision: empty revision identifier");
}

TEST(SqlMigration, RepeatedParentIsAnError) {
  EXPECT_EQ(parse_error("-- revision: m\n-- down_revision: a, a\n-- +upgrade\n"),
            "0002_phone.sql:2: down_revision names 'a' twice");
}

TEST(SqlMigration, BadBranchLabelIsAnError) {
  EXPECT_EQ(parse_error("-- revision: m\n-- branch_labels: my@label\n-- +upgrade\n"),
            "0002_phone.sql:2: branch_labels: Character(s) '@' not allowed in branch label "
            "'my@label'");
}

TEST(SqlMigration, SelfReferenceIsAlembicsSelfLoop) {
  EXPECT_EQ(parse_error("-- revision: abc\n-- down_revision: x, abc\n-- +upgrade\n"),
            "0002_phone.sql:2: Self-loop is detected in revisions (abc)");
  EXPECT_EQ(parse_error("-- revision: abc\n\n-- depends_on: abc\n-- +upgrade\n"),
            "0002_phone.sql:3: Dependency self-loop is detected in revisions (abc)");
}

TEST(SqlMigration, NoUpgradeSectionNamesRevision) {
  EXPECT_EQ(parse_error("-- revision: r9\n-- +downgrade\nSELECT 1;\n"),
            "0002_phone.sql:1: revision r9 has no '-- +upgrade' section");
  EXPECT_EQ(parse_error("-- revision: r9\n"),
            "0002_phone.sql:1: revision r9 has no '-- +upgrade' section");
}

TEST(SqlMigration, SqlBeforeFirstSectionIsAnError) {
  EXPECT_EQ(parse_error("-- revision: r\nCREATE TABLE t (x INT);\n-- +upgrade\n"),
            "0002_phone.sql:2: SQL before the first '-- +upgrade' section; the header holds "
            "only '-- key: value' lines and comments");
}

TEST(SqlMigration, MisspelledKeySuggestsTheKnownOne) {
  EXPECT_EQ(parse_error("-- revision: r\n-- down_revison: a\n-- +upgrade\n"),
            "0002_phone.sql:2: unknown header key 'down_revison'; did you mean "
            "'down_revision'?");
  EXPECT_EQ(parse_error("-- revision: r\n-- Down_Revision: a\n-- +upgrade\n"),
            "0002_phone.sql:2: unknown header key 'Down_Revision'; did you mean "
            "'down_revision'?");
  EXPECT_EQ(parse_error("-- revison: r\n-- +upgrade\n"),
            "0002_phone.sql:1: unknown header key 'revison'; did you mean 'revision'?");
}

TEST(SqlMigration, UnknownUnderscoreKeyListsKnownKeys) {
  EXPECT_EQ(parse_error("-- revision: r\n-- created_at: 2026-01-01\n-- +upgrade\n"),
            "0002_phone.sql:2: unknown header key 'created_at' (known keys: revision, "
            "down_revision, branch_labels, depends_on, message, transaction)");
}

TEST(SqlMigration, HeaderKeyInsideSectionIsAnError) {
  EXPECT_EQ(parse_error("-- revision: r\n-- +upgrade\n-- down_revision: q\nSELECT 1;\n"),
            "0002_phone.sql:3: header key 'down_revision' inside a section; header lines must "
            "come before the first '-- +upgrade'");
}

TEST(SqlMigration, UnterminatedQuoteIsReportedAtLoadTimeWithRevision) {
  EXPECT_EQ(parse_error("-- revision: r5\n-- +upgrade\nSELECT 1;\n-- +downgrade\n\n"
                        "INSERT INTO t VALUES ('oops);\n"),
            "0002_phone.sql:6: unterminated string literal '...' in the downgrade section of "
            "revision r5 (read as sqlite)");
}

TEST(SqlMigration, GenericSectionMustSplitForEveryDialect) {
  // Valid MySQL, but in SQLite and PostgreSQL the backslash does not escape the quote.
  EXPECT_EQ(parse_error("-- revision: r5\n-- +upgrade\nINSERT INTO t VALUES ('it\\'s');\n"),
            "0002_phone.sql:3: unterminated string literal '...' in the upgrade section of "
            "revision r5 (read as sqlite)");
  // The same statement in a mysql section is fine.
  parse_ok("-- revision: r5\n-- +upgrade mysql\nINSERT INTO t VALUES ('it\\'s');\n");
}

TEST(SqlMigration, DialectSectionIsSplitOnlyForItsDialect) {
  const Revision revision = parse_ok(
      "-- revision: fn\n-- +upgrade postgresql\n"
      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n");
  EXPECT_EQ(sqls(revision, Direction::upgrade, Dialect::postgresql).size(), 1u);
}

TEST(SqlMigration, NonUtf8FileIsAnError) {
  EXPECT_EQ(parse_error("-- revision: r\n-- message: caf\xE9\n-- +upgrade\n"),
            "0002_phone.sql:2: file is not valid UTF-8 (byte 0xe9 at offset 30)");
}

TEST(SqlMigration, MysqlDelimiterSectionWorksEndToEnd) {
  const Revision revision = parse_ok(
      "-- revision: tr\n-- +upgrade\nCREATE TABLE t (x INT);\n-- +upgrade mysql\n"
      "CREATE TABLE t (x INT);\nDELIMITER //\n"
      "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.x = 1; END//\n"
      "DELIMITER ;\n");
  Result<std::vector<Statement>> up = statements_for(revision, Direction::upgrade, Dialect::mysql);
  ASSERT_TRUE(up.ok());
  ASSERT_EQ(up->size(), 2u);
  EXPECT_EQ((*up)[1].line, 7);
  EXPECT_EQ((*up)[1].sql.substr(0, 14), "CREATE TRIGGER");
}

}  // namespace
}  // namespace magent::core
