#pragma once

#include <string>
#include <vector>

#include "tests/support/engines.hpp"

// What a daemon under test left in the database, read with the engine's own client (never
// with the code under test). On SQLite the client waits for a writer's lock.
namespace magent::test {

// The alembic_version rows, sorted; empty when the table is missing or empty.
std::vector<std::string> version_rows(const TestDatabase& db);

// The outcomes ("succeeded", "failed", "started") of the ledger rows for `revision` in the
// order they were written; empty when there are none or no ledger.
std::vector<std::string> ledger_outcomes(const TestDatabase& db, const std::string& revision);

// Number of ledger rows, all revisions and outcomes.
int ledger_size(const TestDatabase& db);

// Whether `table` exists in the database's default schema.
bool has_table(const TestDatabase& db, const std::string& table);

// Whether `table` has `column` (read from the catalog: never waits for a table lock).
bool has_column(const TestDatabase& db, const std::string& table, const std::string& column);

}  // namespace magent::test
