#include "tests/support/database_probe.hpp"

#include <algorithm>
#include <sstream>

namespace magent::test {
namespace {

// Runs a query; "" on failure (a missing table reads as no rows).
std::string query(const TestDatabase& db, const std::string& sql) {
  std::string out;
  const std::string text = db.engine() == Engine::sqlite ? ".timeout 10000\n" + sql : sql;
  return db.try_sql(text, &out) ? out : std::string();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

std::vector<std::string> ledger_outcomes(const TestDatabase& db, const std::string& revision) {
  return lines_of(query(db, "SELECT outcome FROM migration_agent_log WHERE revision = '" +
                                revision + "' ORDER BY id;"));
}

int ledger_size(const TestDatabase& db) {
  const auto rows = lines_of(query(db, "SELECT COUNT(*) FROM migration_agent_log;"));
  return rows.empty() ? 0 : std::stoi(rows.front());
}

bool has_column(const TestDatabase& db, const std::string& table, const std::string& column) {
  std::string sql;
  switch (db.engine()) {
    case Engine::sqlite:
      sql = "SELECT COUNT(*) FROM pragma_table_info('" + table + "') WHERE name = '" + column +
            "';";
      break;
    case Engine::postgresql:
      sql = "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = '" + table + "' AND column_name = '" + column +
            "';";
      break;
    case Engine::mysql:
      sql = "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = '" + table + "' AND column_name = '" + column + "';";
      break;
  }
  const auto rows = lines_of(query(db, sql));
  return !rows.empty() && rows.front() != "0";
}

}  // namespace magent::test
