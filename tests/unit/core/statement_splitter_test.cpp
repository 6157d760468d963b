#include "agent/core/statement_splitter.hpp"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace magent::core {
namespace {

std::vector<Statement> split_ok(std::string_view text, Dialect dialect = Dialect::sqlite,
                                int first_line = 1) {
  Result<std::vector<Statement>> result = split_statements(text, first_line, dialect, "m.sql");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : std::vector<Statement>{};
}

std::vector<std::string> sqls(const std::vector<Statement>& statements) {
  std::vector<std::string> out;
  for (const Statement& s : statements) out.push_back(s.sql);
  return out;
}

std::string split_error(std::string_view text, Dialect dialect, int first_line = 1) {
  Result<std::vector<Statement>> result = split_statements(text, first_line, dialect, "m.sql");
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.error().kind, ErrorKind::parse);
  return result.error().message;
}

using Sqls = std::vector<std::string>;

TEST(StatementSplitter, SplitsOnTopLevelSemicolonsAndTrims) {
  EXPECT_EQ(sqls(split_ok("  CREATE TABLE a (x INT);\n\n  DROP TABLE b ;  \n")),
            (Sqls{"CREATE TABLE a (x INT)", "DROP TABLE b"}));
}

TEST(StatementSplitter, KeepsFinalStatementWithoutSemicolon) {
  EXPECT_EQ(sqls(split_ok("SELECT 1; SELECT 2")), (Sqls{"SELECT 1", "SELECT 2"}));
}

TEST(StatementSplitter, DropsEmptyAndCommentOnlyStatements) {
  EXPECT_EQ(sqls(split_ok(";;  ;\n-- just a note\n;/* block */;\nSELECT 1;\n-- trailing\n")),
            (Sqls{"SELECT 1"}));
  EXPECT_TRUE(split_ok("").empty());
  EXPECT_TRUE(split_ok("-- only a comment").empty());
}

TEST(StatementSplitter, LineIsFirstNonCommentCharacterCountedFromFirstLine) {
  const auto statements =
      split_ok("\n-- about a\n  /* more */\n  SELECT 1;\n\nSELECT\n2;", Dialect::sqlite, 10);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].line, 13);
  EXPECT_EQ(statements[0].sql, "SELECT 1");
  EXPECT_EQ(statements[1].line, 15);
  EXPECT_EQ(statements[1].sql, "SELECT\n2");
}

TEST(StatementSplitter, LeadingAndTrailingCommentsAreNotPartOfTheStatement) {
  EXPECT_EQ(sqls(split_ok("-- lead\nSELECT 1 -- tail\n;")), (Sqls{"SELECT 1"}));
  EXPECT_EQ(sqls(split_ok("SELECT /* inner */ 1;")), (Sqls{"SELECT /* inner */ 1"}));
}

TEST(StatementSplitter, SemicolonInsideSingleQuotesWithDoubledQuoteEscape) {
  EXPECT_EQ(sqls(split_ok("INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT 1;")),
            (Sqls{"INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT 1"}));
}

TEST(StatementSplitter, SemicolonInsideDoubleQuotedIdentifier) {
  EXPECT_EQ(sqls(split_ok("CREATE TABLE \"a;\"\"b\" (x INT); SELECT 1", Dialect::postgresql)),
            (Sqls{"CREATE TABLE \"a;\"\"b\" (x INT)", "SELECT 1"}));
}

TEST(StatementSplitter, SemicolonInsideBackticks) {
  EXPECT_EQ(sqls(split_ok("CREATE TABLE `a;``b` (x INT); SELECT 1", Dialect::mysql)),
            (Sqls{"CREATE TABLE `a;``b` (x INT)", "SELECT 1"}));
  EXPECT_EQ(split_ok("SELECT `x;y` FROM t;", Dialect::sqlite).size(), 1u);
}

TEST(StatementSplitter, SqliteBracketIdentifiersHideSemicolons) {
  EXPECT_EQ(sqls(split_ok("SELECT [a;b] FROM t; SELECT 2", Dialect::sqlite)),
            (Sqls{"SELECT [a;b] FROM t", "SELECT 2"}));
}

TEST(StatementSplitter, SemicolonInsideLineAndBlockComments) {
  EXPECT_EQ(sqls(split_ok("SELECT 1 -- a; b\n, 2;\nSELECT /* ; */ 3;")),
            (Sqls{"SELECT 1 -- a; b\n, 2", "SELECT /* ; */ 3"}));
}

TEST(StatementSplitter, PostgresNestedBlockComments) {
  EXPECT_EQ(
      sqls(split_ok("/* outer /* inner; */ still comment; */ SELECT 1;", Dialect::postgresql)),
      (Sqls{"SELECT 1"}));
}

TEST(StatementSplitter, SqliteBlockCommentsDoNotNest) {
  EXPECT_EQ(sqls(split_ok("/* a /* b */ SELECT 1; */", Dialect::sqlite)), (Sqls{"SELECT 1", "*/"}));
}

TEST(StatementSplitter, DollarQuotedFunctionBodyIsOneStatement) {
  const std::string sql =
      "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.a := 1;\n  RETURN NEW;\nEND;\n$$ "
      "LANGUAGE plpgsql;\nSELECT 2;";
  const auto statements = split_ok(sql, Dialect::postgresql);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].sql.substr(0, 15), "CREATE FUNCTION");
  EXPECT_NE(statements[0].sql.find("LANGUAGE plpgsql"), std::string::npos);
  EXPECT_EQ(statements[1].line, 7);
}

TEST(StatementSplitter, TaggedDollarQuotesMayContainOtherDollarQuotes) {
  const std::string sql = "DO $outer$ BEGIN EXECUTE $q$SELECT 1;$q$; END $outer$; SELECT 2";
  EXPECT_EQ(sqls(split_ok(sql, Dialect::postgresql)),
            (Sqls{"DO $outer$ BEGIN EXECUTE $q$SELECT 1;$q$; END $outer$", "SELECT 2"}));
}

TEST(StatementSplitter, DollarInsideIdentifierIsNotADollarQuote) {
  EXPECT_EQ(sqls(split_ok("SELECT a$b FROM t; SELECT $1;", Dialect::postgresql)),
            (Sqls{"SELECT a$b FROM t", "SELECT $1"}));
}

TEST(StatementSplitter, DollarQuotesAreOnlyPostgres) {
  EXPECT_EQ(split_ok("SELECT $x$; SELECT 2;", Dialect::sqlite).size(), 2u);
}

TEST(StatementSplitter, PostgresEscapeStringAllowsBackslashQuote) {
  EXPECT_EQ(sqls(split_ok("SELECT E'it\\'s; ok'; SELECT 2", Dialect::postgresql)),
            (Sqls{"SELECT E'it\\'s; ok'", "SELECT 2"}));
}

TEST(StatementSplitter, MysqlBackslashEscapesInsideStrings) {
  EXPECT_EQ(
      sqls(split_ok("INSERT INTO t VALUES ('a\\';b', \"c\\\";d\"); SELECT 1", Dialect::mysql)),
      (Sqls{"INSERT INTO t VALUES ('a\\';b', \"c\\\";d\")", "SELECT 1"}));
}

TEST(StatementSplitter, BackslashIsOrdinaryOutsideMysql) {
  // In SQLite 'a\' is a complete string, so the semicolon after it splits.
  EXPECT_EQ(sqls(split_ok("SELECT 'a\\'; SELECT 2", Dialect::sqlite)),
            (Sqls{"SELECT 'a\\'", "SELECT 2"}));
}

TEST(StatementSplitter, MysqlHashComments) {
  EXPECT_EQ(sqls(split_ok("# note; here\nSELECT 1; # tail;\n", Dialect::mysql)),
            (Sqls{"SELECT 1"}));
  EXPECT_EQ(sqls(split_ok("SELECT 1 # not a comment outside mysql\n;", Dialect::postgresql)),
            (Sqls{"SELECT 1 # not a comment outside mysql"}));
}

TEST(StatementSplitter, MysqlDoubleDashNeedsWhitespaceToBeAComment) {
  EXPECT_EQ(sqls(split_ok("SELECT 1--1;\nSELECT 2 -- c;\n;", Dialect::mysql)),
            (Sqls{"SELECT 1--1", "SELECT 2"}));
}

TEST(StatementSplitter, MysqlExecutableCommentIsContent) {
  EXPECT_EQ(sqls(split_ok("/*!40101 SET NAMES utf8mb4 */;\n/* plain */;", Dialect::mysql)),
            (Sqls{"/*!40101 SET NAMES utf8mb4 */"}));
}

TEST(StatementSplitter, SqliteTriggerBodyIsOneStatement) {
  const std::string sql =
      "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET a=1; END;\nSELECT 1;";
  EXPECT_EQ(sqls(split_ok(sql, Dialect::sqlite)),
            (Sqls{"CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET a=1; END", "SELECT 1"}));
}

TEST(StatementSplitter, TriggerWithCaseExpressionAndSeveralStatements) {
  const std::string sql =
      "CREATE TEMP TRIGGER IF NOT EXISTS trg AFTER UPDATE ON x\nBEGIN\n"
      "  UPDATE y SET a = CASE WHEN NEW.b THEN 1 ELSE 2 END;\n"
      "  DELETE FROM z WHERE id = NEW.id;\nEND;\nDROP TABLE q;";
  const auto statements = split_ok(sql, Dialect::sqlite);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].sql.substr(statements[0].sql.size() - 3), "END");
  EXPECT_EQ(statements[1].sql, "DROP TABLE q");
  EXPECT_EQ(statements[1].line, 6);
}

TEST(StatementSplitter, MysqlProcedureWithControlFlowIsOneStatement) {
  const std::string sql =
      "CREATE DEFINER=`root`@`%` PROCEDURE p()\nBEGIN\n"
      "  DECLARE done INT DEFAULT 0;\n"
      "  IF done THEN SELECT 1; ELSE SELECT 2; END IF;\n"
      "  lbl: LOOP LEAVE lbl; END LOOP lbl;\n"
      "  WHILE done < 3 DO SET done = done + 1; END WHILE;\n"
      "  REPEAT SET done = done - 1; UNTIL done = 0 END REPEAT;\n"
      "  CASE done WHEN 0 THEN SELECT 0; ELSE BEGIN SELECT 9; END; END CASE;\n"
      "END;\nSELECT 'after';";
  const auto statements = split_ok(sql, Dialect::mysql);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1].sql, "SELECT 'after'");
  EXPECT_EQ(statements[1].line, 10);
}

TEST(StatementSplitter, MysqlEventBodyIsOneStatement) {
  const std::string sql =
      "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; DELETE FROM u; END;\n"
      "SELECT 1;";
  EXPECT_EQ(split_ok(sql, Dialect::mysql).size(), 2u);
}

TEST(StatementSplitter, PostgresBeginAtomicFunctionIsOneStatement) {
  const std::string sql =
      "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
      "  SELECT 2;\nEND;\nSELECT 3;";
  EXPECT_EQ(split_ok(sql, Dialect::postgresql).size(), 2u);
}

TEST(StatementSplitter, PostgresRuleWithParenthesizedActionsIsOneStatement) {
  const std::string sql =
      "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b "
      "VALUES (2));\nSELECT 1;";
  EXPECT_EQ(split_ok(sql, Dialect::postgresql).size(), 2u);
  // SQLite's and MySQL's clients do not count parentheses.
  EXPECT_EQ(split_ok("SELECT (1; SELECT 2);", Dialect::sqlite).size(), 2u);
}

TEST(StatementSplitter, PlainBeginTransactionIsNotABlock) {
  EXPECT_EQ(sqls(split_ok("BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\nBEGIN TRANSACTION;\nEND;")),
            (Sqls{"BEGIN", "CREATE TABLE a (x INT)", "COMMIT", "BEGIN TRANSACTION", "END"}));
}

TEST(StatementSplitter, BeginAndEndAsColumnNamesOutsideRoutines) {
  EXPECT_EQ(sqls(split_ok("CREATE TABLE span (\"begin\" INT, \"end\" INT);\nSELECT 1;")),
            (Sqls{"CREATE TABLE span (\"begin\" INT, \"end\" INT)", "SELECT 1"}));
}

TEST(StatementSplitter, QualifiedEndInsideTriggerIsNotABlockEnd) {
  const std::string sql =
      "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET v = NEW.end; "
      "UPDATE z SET w = 1; END;\nSELECT 1;";
  EXPECT_EQ(split_ok(sql, Dialect::sqlite).size(), 2u);
}

TEST(StatementSplitter, CreateTableMentioningTriggerIsNotARoutine) {
  EXPECT_EQ(sqls(split_ok("CREATE TABLE audit (trigger_name TEXT, event TEXT); SELECT 1;")),
            (Sqls{"CREATE TABLE audit (trigger_name TEXT, event TEXT)", "SELECT 1"}));
}

TEST(StatementSplitter, MysqlDelimiterDirectiveIsNotAStatement) {
  const std::string sql =
      "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\n"
      "SELECT 3;";
  const auto statements = split_ok(sql, Dialect::mysql, 5);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].sql, "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END");
  EXPECT_EQ(statements[0].line, 6);
  EXPECT_EQ(statements[1].sql, "SELECT 3");
  EXPECT_EQ(statements[1].line, 8);
}

TEST(StatementSplitter, MysqlDelimiterIgnoresDelimiterInsideStrings) {
  const std::string sql = "delimiter $$\nSELECT '$$', 1$$\nSELECT 2$$";
  EXPECT_EQ(sqls(split_ok(sql, Dialect::mysql)), (Sqls{"SELECT '$$', 1", "SELECT 2"}));
}

TEST(StatementSplitter, DelimiterWithoutValueIsAnError) {
  EXPECT_EQ(split_error("SELECT 1;\nDELIMITER\nSELECT 2;", Dialect::mysql),
            "m.sql:2: DELIMITER needs a delimiter, e.g. DELIMITER //");
}

TEST(StatementSplitter, DelimiterOutsideMysqlIsAnError) {
  const std::string message = split_error("\nDELIMITER //\nSELECT 1//", Dialect::sqlite, 4);
  EXPECT_EQ(message.rfind("m.sql:5: DELIMITER is a mysql client directive", 0), 0u) << message;
}

TEST(StatementSplitter, UnterminatedStringNamesItsStartLine) {
  EXPECT_EQ(split_error("SELECT 1;\nSELECT 'abc;\n\nmore", Dialect::sqlite, 20),
            "m.sql:21: unterminated string literal '...'");
}

TEST(StatementSplitter, UnterminatedQuotedIdentifierNamesItsStartLine) {
  EXPECT_EQ(split_error("SELECT \"abc;\n", Dialect::postgresql),
            "m.sql:1: unterminated quoted identifier \"...\"");
  EXPECT_EQ(split_error("\nSELECT `abc;\n", Dialect::mysql),
            "m.sql:2: unterminated quoted identifier `...`");
}

TEST(StatementSplitter, UnterminatedBlockCommentNamesItsStartLine) {
  EXPECT_EQ(split_error("SELECT 1;\n\n/* never\nclosed", Dialect::sqlite),
            "m.sql:3: unterminated /* ... */ comment");
  EXPECT_EQ(split_error("/* a /* b */ still open", Dialect::postgresql),
            "m.sql:1: unterminated /* ... */ comment");
}

TEST(StatementSplitter, UnterminatedDollarQuoteNamesItsTag) {
  EXPECT_EQ(split_error("SELECT 1;\nDO $body$ BEGIN END; $other$;", Dialect::postgresql, 7),
            "m.sql:8: unterminated dollar-quoted string $body$");
}

TEST(StatementSplitter, UnterminatedTriggerBlockNamesItsBegin) {
  EXPECT_EQ(split_error("CREATE TRIGGER t AFTER INSERT ON x\nBEGIN\n  UPDATE y SET a = 1;\n",
                        Dialect::sqlite),
            "m.sql:2: unterminated BEGIN ... END block (no matching END)");
}

TEST(StatementSplitter, MysqlEscapedQuoteAtEndIsUnterminated) {
  EXPECT_EQ(split_error("SELECT 'abc\\';", Dialect::mysql),
            "m.sql:1: unterminated string literal '...'");
}

TEST(StatementSplitter, QuotesInsideCommentsAreIgnored) {
  EXPECT_EQ(sqls(split_ok("-- don't worry\nSELECT 1; /* it's */ SELECT 2;")),
            (Sqls{"SELECT 1", "SELECT 2"}));
}

TEST(StatementSplitter, CrlfLineEndingsCountLinesAndTrim) {
  const auto statements = split_ok("SELECT 1;\r\n\r\nSELECT 2;\r\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1].sql, "SELECT 2");
  EXPECT_EQ(statements[1].line, 3);
}

TEST(StatementSplitter, MultilineStringAdvancesLineNumbers) {
  const auto statements = split_ok("INSERT INTO t VALUES ('a\nb\nc');\nSELECT 1;");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1].line, 4);
}

// What first_split_error must answer: the first of sqlite, postgresql, mysql whose split fails.
std::optional<DialectSplitError> reference_split_error(std::string_view text) {
  for (const Dialect dialect : {Dialect::sqlite, Dialect::postgresql, Dialect::mysql}) {
    Result<std::vector<Statement>> split = split_statements(text, 3, dialect, "m.sql");
    if (!split) return DialectSplitError{dialect, split.error()};
  }
  return std::nullopt;
}

std::string describe(const std::optional<DialectSplitError>& error) {
  if (!error) return "ok";
  return std::string(to_string(error->dialect)) + ": " + error->error.message;
}

std::string first_error(std::string_view text) {
  return describe(first_split_error(text, 3, "m.sql"));
}

TEST(StatementSplitter, FirstSplitErrorIsNoneWhenEveryDialectSplits) {
  EXPECT_EQ(first_error("CREATE TABLE a (x INT, y VARCHAR(3) DEFAULT 'it''s');\n-- note\n"
                        "INSERT INTO a VALUES (1, \"q\"); /* c */"),
            "ok");
}

TEST(StatementSplitter, FirstSplitErrorReportsTheDialectThatFailsAlone) {
  // Each text splits as SQLite but not as one of the others.
  EXPECT_EQ(first_error("SELECT $$a;"),
            "postgresql: m.sql:3: unterminated dollar-quoted string $$");
  EXPECT_EQ(first_error("SELECT `a'`;"), "postgresql: m.sql:3: unterminated string literal '...'");
  EXPECT_EQ(first_error("SELECT [a'];"), "postgresql: m.sql:3: unterminated string literal '...'");
  EXPECT_EQ(first_error("/* /* */ SELECT 1;"),
            "postgresql: m.sql:3: unterminated /* ... */ comment");
  EXPECT_EQ(first_error("CREATE (x; TRIGGER t BEGIN SELECT 1;"),
            "postgresql: m.sql:3: unterminated BEGIN ... END block (no matching END)");
  EXPECT_EQ(first_error("E'x' CREATE TRIGGER t BEGIN SELECT 1;"),
            "postgresql: m.sql:3: unterminated BEGIN ... END block (no matching END)");
  EXPECT_EQ(first_error("SELECT 'a\\'; SELECT 1;"),
            "mysql: m.sql:3: unterminated string literal '...'");
  EXPECT_EQ(first_error("SELECT 1 --'\n;"), "mysql: m.sql:3: unterminated string literal '...'");
  EXPECT_EQ(first_error("SELECT \"a\\\";"),
            "mysql: m.sql:3: unterminated string literal \"...\"");
}

TEST(StatementSplitter, FirstSplitErrorPrefersSqliteWhenSeveralFail) {
  EXPECT_EQ(first_error("SELECT 'a;"), "sqlite: m.sql:3: unterminated string literal '...'");
  EXPECT_EQ(first_error("SELECT 1;\nDELIMITER //"),
            "sqlite: m.sql:4: DELIMITER is a mysql client directive; use it only in a mysql "
            "section (-- +upgrade mysql)");
}

// Random texts built from the pieces the dialects read differently, after openers that make
// a statement a routine (whose BEGIN ... END body holds `;`): the one-pass check must agree
// with splitting as each dialect in turn, error for error.
TEST(StatementSplitter, FirstSplitErrorAgreesWithEachDialectOnRandomTexts) {
  static constexpr std::array<std::string_view, 6> k_openers = {
      "", "CREATE TRIGGER t ", "CREATE (", "E'x' CREATE TRIGGER t ", "SELECT ", "CREATE "};
  static constexpr std::array<std::string_view, 34> k_pieces = {
      "'",     "\"",      "`",        "[",         "]",       "$",    "$$",  "$a$", "\\",
      "#",     "--",      "-- ",      "--x",       "/*",      "*/",   "/*!", "(",   ")",
      ";",     ";",       "\n",       " ",         "e'",      "BEGIN ", "BEGIN ", "END ",
      "END IF ", "CASE ", "TRIGGER ", "x",        ".",       "DELIMITER ", "//", "''"};
  std::mt19937 random(20260125);
  std::uniform_int_distribution<std::size_t> opener(0, k_openers.size() - 1);
  std::uniform_int_distribution<std::size_t> piece(0, k_pieces.size() - 1);
  std::uniform_int_distribution<int> length(0, 10);
  for (int i = 0; i < 60000; ++i) {
    std::string text(k_openers[opener(random)]);
    for (int n = length(random); n > 0; --n) text += k_pieces[piece(random)];
    ASSERT_EQ(first_error(text), describe(reference_split_error(text))) << "text: " << text;
  }
}

}  // namespace
}  // namespace magent::core
