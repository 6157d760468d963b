#include "tests/support/database_state.hpp"

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace magent::test {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, separator)) out.push_back(item);
  return out;
}

std::string tables_query(Engine engine) {
  switch (engine) {
    case Engine::sqlite:
      return "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    case Engine::postgresql:
      return "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()";
    case Engine::mysql:
      return "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()";
  }
  return "";
}

}  // namespace

std::vector<std::vector<std::string>> query_rows(const TestDatabase& db, std::string_view sql) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : split(db.sql(sql), '\n')) {
    if (!line.empty()) rows.push_back(split(line + "\t", '\t'));
  }
  return rows;
}

std::string query_value(const TestDatabase& db, std::string_view sql) {
  auto rows = query_rows(db, sql);
  return rows.empty() || rows.front().empty() ? "" : rows.front().front();
}

std::vector<std::string> table_names(const TestDatabase& db) {
  std::vector<std::string> names;
  for (const auto& row : query_rows(db, tables_query(db.engine()))) names.push_back(row.at(0));
  std::sort(names.begin(), names.end());
  return names;
}

bool has_table(const TestDatabase& db, std::string_view name) {
  auto names = table_names(db);
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> user_tables(const TestDatabase& db) {
  auto names = table_names(db);
  std::erase(names, "alembic_version");
  std::erase(names, "migration_agent_log");
  return names;
}

std::vector<std::string> version_rows(const TestDatabase& db) {
  std::vector<std::string> rows;
  std::string out;
  if (!db.try_sql("SELECT version_num FROM alembic_version", &out)) {
    // Missing is "no rows"; an agent may create the table between the two questions.
    if (!has_table(db, "alembic_version")) return rows;
    if (!db.try_sql("SELECT version_num FROM alembic_version", &out)) {
      ADD_FAILURE() << "cannot read alembic_version: " << out;
      return rows;
    }
  }
  for (const auto& line : split(out, '\n')) {
    if (!line.empty()) rows.push_back(line);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string quoted(Engine engine, std::string_view name) {
  const char q = engine == Engine::mysql ? '`' : '"';
  return q + std::string(name) + q;
}

std::vector<LedgerRow> ledger_rows(const TestDatabase& db) {
  std::vector<LedgerRow> out;
  if (!has_table(db, "migration_agent_log")) return out;
  const char* columns[] = {"revision", "direction", "outcome",       "path",    "checksum",
                           "error",    "host",      "pid",           "agent_version",
                           "trigger",  "versions_after"};
  std::string sql = "SELECT id";
  for (const char* c : columns) {
    // REPLACE keeps a multi-line error on one output line.
    sql += ", REPLACE(REPLACE(COALESCE(CAST(" + quoted(db.engine(), c) +
           " AS CHAR(4000)), ''), CHAR(10), ' '), CHAR(9), ' ')";
  }
  sql += " FROM migration_agent_log ORDER BY id";
  if (db.engine() == Engine::postgresql) {
    // CHAR(n) is MySQL/SQLite; PostgreSQL spells it chr(n) and casts to text.
    sql = "SELECT id";
    for (const char* c : columns) {
      sql += ", REPLACE(REPLACE(COALESCE(CAST(" + quoted(db.engine(), c) +
             " AS TEXT), ''), chr(10), ' '), chr(9), ' ')";
    }
    sql += " FROM migration_agent_log ORDER BY id";
  }
  for (const auto& r : query_rows(db, sql)) {
    if (r.size() < 12) {
      ADD_FAILURE() << "short ledger row (" << r.size() << " cells)";
      continue;
    }
    LedgerRow row;
    row.id = std::stoll(r[0]);
    row.revision = r[1];
    row.direction = r[2];
    row.outcome = r[3];
    row.path = r[4];
    row.checksum = r[5];
    row.error = r[6];
    row.host = r[7];
    row.pid = r[8];
    row.agent_version = r[9];
    row.trigger = r[10];
    row.versions_after = r[11];
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<LedgerRow> ledger_rows_for(const std::vector<LedgerRow>& rows,
                                       std::string_view revision) {
  std::vector<LedgerRow> out;
  for (const auto& row : rows) {
    if (row.revision == revision) out.push_back(row);
  }
  return out;
}

std::string sha256sum(const std::string& path) {
  ProcessResult r = run_process({"/usr/bin/sha256sum", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, r.out.find(' '));
}

}  // namespace magent::test
