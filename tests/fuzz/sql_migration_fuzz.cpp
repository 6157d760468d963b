// libFuzzer target: one native .sql migration file (DESIGN.md section 4) through the reader
// (core::parse_sql_migration, core::statements_for) and, as a bare section body, through the
// statement splitter of each dialect (core::split_statements). Whatever the bytes, the
// result is a value: statements that are non-empty trimmed slices of the input starting on
// a line of it, or one ErrorKind::parse error that names the file and line.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"
#include "agent/core/sql_migration.hpp"
#include "agent/core/statement_splitter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using magent::core::Dialect;
using magent::core::Direction;
using magent::core::ErrorKind;
using magent::core::Statement;
using magent::fuzz::require;

constexpr std::string_view k_path = "fuzz/0001_fuzz.sql";
constexpr std::array<Dialect, 3> k_dialects{Dialect::sqlite, Dialect::postgresql, Dialect::mysql};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Every statement: non-empty, trimmed, a slice of `text`, starting on one of its lines.
void check_statements(const std::vector<Statement>& statements, std::string_view text,
                      int first_line) {
  const int last_line = first_line + magent::fuzz::line_count(text) - 1;
  for (const Statement& s : statements) {
    require(!s.sql.empty(), "empty statement");
    require(!is_space(s.sql.front()) && !is_space(s.sql.back()), "statement not trimmed");
    require(text.find(s.sql) != std::string_view::npos, "statement is not a slice of the input");
    require(s.line >= first_line && s.line <= last_line, "statement line outside the input");
  }
}

// An error names the file and a line: "PATH:LINE: ..." on one line.
void check_parse_error(const magent::core::Error& error) {
  require(error.kind == ErrorKind::parse, "error kind is not parse");
  const std::string prefix = std::string(k_path) + ":";
  require(error.message.rfind(prefix, 0) == 0, "error does not start with the path");
  require(error.message.size() > prefix.size() &&
              error.message[prefix.size()] >= '0' && error.message[prefix.size()] <= '9',
          "error does not name a line");
}

void check_migration(std::string_view text) {
  const auto parsed = magent::core::parse_sql_migration(k_path, text);
  if (!parsed) {
    check_parse_error(parsed.error());
    return;
  }
  const magent::core::Revision& revision = *parsed;
  require(!revision.id.empty(), "revision without an id");
  require(revision.kind == magent::core::FileKind::sql, "a .sql file read as another kind");
  require(revision.sql != nullptr, "a .sql revision without sections");
  require(revision.path == k_path, "path not kept");
  for (const Direction direction : {Direction::upgrade, Direction::downgrade}) {
    for (const Dialect dialect : k_dialects) {
      const auto statements = magent::core::statements_for(revision, direction, dialect);
      if (!statements) {
        require(statements.error().kind == ErrorKind::resolution,
                "a missing section is not a resolution error");
        continue;
      }
      // Statements come from the file: each is a slice of it on one of its lines.
      check_statements(*statements, text, 1);
    }
  }
}

void check_splitter(std::string_view text) {
  for (const Dialect dialect : k_dialects) {
    const auto first = magent::core::split_statements(text, 7, dialect, k_path);
    if (!first) {
      check_parse_error(first.error());
      continue;
    }
    check_statements(*first, text, 7);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_migration(text);
  check_splitter(text);
  return 0;
}
