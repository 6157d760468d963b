#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/db/database.hpp"
#include "agent/db/schema_fingerprint.hpp"
#include "agent/db/sql_dialect.hpp"

// Schema drift on top of the ledger: the fingerprint the agent stored after its last
// successful run (ledger column schema_fingerprint) against the live schema. The schema
// may only change when the revision does; DDL run by hand shows as drift{kind="schema"}.
namespace magent::db {

// A stored fingerprint and where the database stood when it was taken.
struct StoredSchema {
  std::int64_t ledger_id = 0;
  // alembic_version rows when it was taken (the row's versions_after); nullopt = not recorded.
  std::optional<std::vector<std::string>> versions;
  std::string text;  // serialize() output
};

// The newest succeeded ledger row that carries a fingerprint; nullopt when the ledger does
// not exist or no row has one.
core::Result<std::optional<StoredSchema>> last_stored_schema(Database& db,
                                                             const LedgerTable& ledger_table);

// Reads the live schema (read_schema) and stores its text on ledger row `ledger_id`; call
// after a successful run, on the last row it wrote, so that row's versions_after are the
// revisions the fingerprint belongs to. Returns the text stored.
core::Result<std::string> record_schema_fingerprint(Database& db, const SchemaScope& scope,
                                                    const LedgerTable& ledger_table,
                                                    std::int64_t ledger_id);

// The same, on the newest succeeded ledger row: call at the end of a successful run while
// still holding the migration lock, so that row is this run's last step.
// ErrorKind::step_failed when the ledger holds no succeeded row.
core::Result<std::string> record_schema_fingerprint(Database& db, const SchemaScope& scope,
                                                    const LedgerTable& ledger_table);

// How the live schema differs from the stored fingerprint, as one line for
// DatabaseFacts::schema_difference (summarize_changes). nullopt, without reading the live
// schema, when there is no stored fingerprint or it was taken at other revisions than
// `current_revisions` (the revision moved: Alembic or an operator ran a migration, not
// drift); nullopt too when the stored text is from another engine or a format this build
// cannot read, and when the live schema equals it.
core::Result<std::optional<std::string>> schema_difference(
    Database& db, const SchemaScope& scope, const LedgerTable& ledger_table,
    const std::vector<std::string>& current_revisions);

// "a; b; c; and 4 more": the first `shown` changes and how many were left out.
std::string summarize_changes(const std::vector<std::string>& changes, std::size_t shown = 3);

}  // namespace magent::db
