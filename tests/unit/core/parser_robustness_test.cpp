// Arbitrary bytes must come back as a value or an error: never a crash, hang or exception.
// A deterministic stand-in for the fuzz targets (fixed seed, a few thousand inputs).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <random>
#include <string>
#include <string_view>

#include "agent/core/migration_files.hpp"
#include "agent/core/python_migration.hpp"
#include "agent/core/sql_migration.hpp"
#include "agent/core/statement_splitter.hpp"
#include "agent/core/utf8.hpp"

namespace magent::core {
namespace {

// Pieces that drive the splitter and readers into their interesting states.
constexpr std::array<std::string_view, 44> k_pieces = {"'",
                                                       "\"",
                                                       "`",
                                                       "[",
                                                       "]",
                                                       "$",
                                                       "$$",
                                                       "$a$",
                                                       "--",
                                                       "-- ",
                                                       "#",
                                                       "/*",
                                                       "*/",
                                                       "/*!",
                                                       "\\",
                                                       ";",
                                                       "\n",
                                                       "\r\n",
                                                       " ",
                                                       "BEGIN",
                                                       "END",
                                                       "CASE",
                                                       "END IF",
                                                       "CREATE TRIGGER t ",
                                                       "E'",
                                                       "DELIMITER //\n",
                                                       "//",
                                                       "-- +upgrade\n",
                                                       "-- +downgrade mysql\n",
                                                       "-- revision: a\n",
                                                       "-- down_revision: b, c\n",
                                                       "\"\"\"",
                                                       "'''",
                                                       "(",
                                                       ")",
                                                       "revision = ",
                                                       "down_revision = ",
                                                       "=",
                                                       ",",
                                                       "None",
                                                       "\xff",
                                                       "\xC3\xA9",
                                                       ":",
                                                       "x"};

std::string random_input(std::mt19937& rng) {
  std::string out;
  const std::size_t parts = rng() % 40;
  for (std::size_t i = 0; i < parts; ++i) {
    if (rng() % 4 == 0) {
      out += static_cast<char>(rng() & 0xFF);
    } else {
      out += k_pieces[rng() % k_pieces.size()];
    }
  }
  return out;
}

// Runs every parser on `input`; each must return (ok or error) without throwing.
void exercise(std::string_view input) {
  for (Dialect dialect : {Dialect::sqlite, Dialect::postgresql, Dialect::mysql}) {
    Result<std::vector<Statement>> statements = split_statements(input, 1, dialect, "f.sql");
    if (statements.ok()) {
      for (const Statement& s : *statements) ASSERT_FALSE(s.sql.empty());
    } else {
      ASSERT_EQ(statements.error().message.rfind("f.sql:", 0), 0u);
    }
  }
  Result<Revision> sql = parse_sql_migration("f.sql", input);
  if (sql.ok()) {
    for (Dialect dialect : {Dialect::sqlite, Dialect::postgresql, Dialect::mysql}) {
      for (Direction direction : {Direction::upgrade, Direction::downgrade}) {
        Result<std::vector<Statement>> s = statements_for(*sql, direction, dialect);
        if (!s.ok()) {
          ASSERT_EQ(s.error().kind, ErrorKind::resolution) << s.error().message;
        }
      }
    }
  } else {
    ASSERT_EQ(sql.error().message.rfind("f.sql:", 0), 0u) << sql.error().message;
  }
  Result<Revision> py = parse_python_migration("f.py", input);
  if (!py.ok()) {
    ASSERT_EQ(py.error().message.rfind("f.py:", 0), 0u) << py.error().message;
  }
  (void)find_invalid_utf8(input);
  (void)migration_file_kind(input);
}

TEST(ParserRobustness, PseudoRandomInputsReturnValuesOrErrors) {
  std::mt19937 rng(20260125);
  int parsed = 0;
  for (int i = 0; i < 4000; ++i) {
    // Every other input gets a valid head so the section bodies are reached too.
    const std::string head = i % 2 == 0 ? "" : "-- revision: a\n-- +upgrade\n";
    const std::string input = head + random_input(rng);
    ASSERT_NO_THROW(exercise(input)) << "input #" << i;
    if (parse_sql_migration("f.sql", input).ok()) ++parsed;
  }
  EXPECT_GT(parsed, 0);  // the generator does reach valid files, not only errors
}

TEST(ParserRobustness, EveryTruncationOfValidFilesReturns) {
  const std::string sql =
      "-- revision: r1\n-- down_revision: r0\n-- message: m\n-- +upgrade\n"
      "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"b\" INT);\n"
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN 1 THEN 'a' END; "
      "END;\n/* c */ -- d\n-- +upgrade postgresql\nDO $f$ BEGIN PERFORM 1; END $f$;\n"
      "-- +upgrade mysql\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 'it\\'s'; END//\n"
      "DELIMITER ;\n# done\n-- +downgrade\nDROP TABLE t;\n";
  const std::string py =
      "\"\"\"Add phone\n\nRevision ID: r1\n\"\"\"\nfrom typing import Sequence, Union\n"
      "revision: str = 'r1'\ndown_revision: Union[str, Sequence[str], None] = (\n"
      "    \"a\",  # c\n    'b',\n)\nbranch_labels = ('default',)\ndepends_on = None\n"
      "def upgrade():\n    revision = r'x\\y'\n";
  for (const std::string* file : {&sql, &py}) {
    for (std::size_t n = 0; n <= file->size(); ++n) {
      ASSERT_NO_THROW(exercise(std::string_view(*file).substr(0, n))) << "prefix " << n;
    }
  }
  EXPECT_TRUE(parse_sql_migration("f.sql", sql).ok());
  EXPECT_TRUE(parse_python_migration("f.py", py).ok());
}

TEST(ParserRobustness, PathologicalInputsFinishQuickly) {
  const auto started = std::chrono::steady_clock::now();
  exercise(std::string(200000, '('));
  exercise(std::string(200000, '$'));
  exercise("DELIMITER aaaaaaaaaaaaaaab\n" + std::string(200000, 'a'));
  exercise("CREATE TRIGGER t BEGIN " + std::string(100000, ' ') + std::string(50000, 'E'));
  std::string ends = "CREATE PROCEDURE p() ";
  for (int i = 0; i < 20000; ++i) ends += "BEGIN CASE END END IF ";
  exercise(ends);
  exercise("revision = " + std::string(100000, '(') + "'a'" + std::string(100000, ')'));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

}  // namespace
}  // namespace magent::core
