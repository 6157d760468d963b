#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/engines.hpp"

// What a test database holds, read with the engine's own client (never the code under test).
namespace magent::test {

// The rows of `sql`: one vector of cells per output line. NULL reads as "" on every engine
// only when the query says COALESCE(x, '').
std::vector<std::vector<std::string>> query_rows(const TestDatabase& db, std::string_view sql);

// The first cell of the first row of `sql`, "" when there is none.
std::string query_value(const TestDatabase& db, std::string_view sql);

// Every table in the database (its default schema), sorted.
std::vector<std::string> table_names(const TestDatabase& db);
bool has_table(const TestDatabase& db, std::string_view name);
// The tables other than alembic_version and migration_agent_log, sorted.
std::vector<std::string> user_tables(const TestDatabase& db);

// alembic_version rows, sorted; empty when the table does not exist.
std::vector<std::string> version_rows(const TestDatabase& db);

// `name` quoted as an identifier for the engine (trigger is reserved in MySQL).
std::string quoted(Engine engine, std::string_view name);

// One row of migration_agent_log.
struct LedgerRow {
  std::int64_t id = 0;
  std::string revision, direction, outcome, path, checksum, error, host, pid, agent_version,
      trigger, versions_after;
};

// Every ledger row, oldest first; empty when the ledger does not exist.
std::vector<LedgerRow> ledger_rows(const TestDatabase& db);
// The rows for `revision`, oldest first.
std::vector<LedgerRow> ledger_rows_for(const std::vector<LedgerRow>& rows, std::string_view revision);

// Lowercase hex SHA-256 of a file, computed by coreutils' sha256sum.
std::string sha256sum(const std::string& path);

}  // namespace magent::test
