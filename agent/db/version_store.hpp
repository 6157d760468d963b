#pragma once

#include <string>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/result.hpp"
#include "agent/db/database.hpp"

// The alembic_version table, engine-neutral, on top of Database (DESIGN.md section 5).
// None of these functions begins or commits: the caller owns the transaction, so a step's
// version rows commit together with the step.
namespace magent::db {

// What the version table says: whether it exists, and its rows (one per current head;
// none = base), sorted.
struct VersionState {
  bool table_exists = false;
  std::vector<std::string> revisions;
};

// Reads every row of the version table, whatever the column width. A missing table is
// not an error: it reads as {table_exists = false, revisions = {}}.
core::Result<VersionState> read_versions(Database& db, const VersionTable& table);

// Creates the version table with Alembic's DDL unless it already exists.
core::Result<void> ensure_version_table(Database& db, const VersionTable& table);

// Deletes every row (stamp --purge), as Alembic does.
core::Result<void> clear_versions(Database& db, const VersionTable& table);

// Applies `ops` in order with Alembic's checks: an update or remove must match exactly one
// row, else ErrorKind::step_failed with Alembic's message. Stops at the first failure;
// the caller rolls back.
core::Result<void> apply_version_ops(Database& db, const VersionTable& table,
                                     const std::vector<core::VersionOp>& ops);

}  // namespace magent::db
