#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/core/drift.hpp"
#include "agent/core/result.hpp"
#include "agent/db/database.hpp"
#include "agent/db/ledger.hpp"
#include "agent/db/sql_dialect.hpp"

namespace magent::db {

// Everything read from the database to judge drift and report status; read-only.
struct Inspection {
  core::DatabaseFacts facts;
  std::optional<std::string> lock_holder;  // who holds the migration lock now
  std::vector<LedgerEntry> recent;         // newest ledger rows, newest first
  bool ledger_exists = false;
};

// Reads alembic_version, the ledger (failures since the last stamp, checksums of applied
// files, recent rows) and the lock holder. Creates nothing. While the lock is held, steps
// still `started` count as running, not as unresolved.
core::Result<Inspection> inspect(Database& db, const VersionTable& version_table,
                                 const LedgerTable& ledger_table, const std::string& lock_key,
                                 std::size_t recent_rows = 10);

}  // namespace magent::db
