#pragma once

#include <string>
#include <vector>

#include "tests/support/database_state.hpp"  // version_rows, has_table
#include "tests/support/engines.hpp"

// What a daemon under test left in the database, read with the engine's own client (never
// with the code under test). On SQLite the client waits for a writer's lock.
namespace magent::test {

// The outcomes ("succeeded", "failed", "started") of the ledger rows for `revision` in the
// order they were written; empty when there are none or no ledger.
std::vector<std::string> ledger_outcomes(const TestDatabase& db, const std::string& revision);

// Number of ledger rows, all revisions and outcomes.
int ledger_size(const TestDatabase& db);

// Whether `table` has `column` (read from the catalog: never waits for a table lock).
bool has_column(const TestDatabase& db, const std::string& table, const std::string& column);

}  // namespace magent::test
