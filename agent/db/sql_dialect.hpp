#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/revision.hpp"
#include "agent/db/database.hpp"

// Pure text generation per SQL dialect: no connection, no I/O. The same functions serve
// online statements (with `?` parameters) and offline `--sql` output (with literals), so
// what the agent runs and what it prints are the same SQL, byte for byte Alembic's where
// Alembic shows it (DESIGN.md section 5). Statements carry no trailing semicolon.
namespace magent::db {

// Where the ledger lives (DESIGN.md section 6).
struct LedgerTable {
  std::string name = "migration_agent_log";
  std::string schema;  // empty = the connection's default
};

// How values appear in a generated statement.
enum class ValueStyle {
  placeholders,  // `?`, values returned beside the SQL in order
  literals,      // quoted inline, as Alembic's offline mode prints them
};

// A statement and its parameters (empty under ValueStyle::literals).
struct BoundStatement {
  std::string sql;
  std::vector<std::string> params;
};

// Quotes `name` only where SQLAlchemy would (reserved word, upper case, leading digit or
// `$`, characters outside [A-Za-z0-9_$]), with the dialect's quote character.
std::string quote_name(core::Dialect dialect, std::string_view name);

// `schema.name` (schema omitted when empty), each part quoted as quote_name does.
std::string qualified_name(core::Dialect dialect, std::string_view schema, std::string_view name);

// A string literal: single quotes doubled; MySQL also escapes backslashes.
std::string string_literal(core::Dialect dialect, std::string_view value);

// True when SQLAlchemy treats `lowercase_word` as reserved in `dialect`.
bool is_reserved_word(core::Dialect dialect, std::string_view lowercase_word);

// Alembic's CREATE TABLE for the version table, byte for byte as Alembic 1.8 emits it.
std::string create_version_table_sql(core::Dialect dialect, const VersionTable& table);

// SELECT of every version_num row, ordered, any column width.
std::string select_versions_sql(core::Dialect dialect, const VersionTable& table);

// SELECT COUNT(*) of the rows equal to one `?` parameter (Alembic's one-row check).
std::string count_version_sql(core::Dialect dialect, const VersionTable& table);

// DELETE of every row (stamp --purge), as Alembic's _ensure_version_table(purge=True).
std::string delete_all_versions_sql(core::Dialect dialect, const VersionTable& table);

// Alembic's INSERT / UPDATE / DELETE for one VersionOp.
BoundStatement render_version_op(core::Dialect dialect, const VersionTable& table,
                                 const core::VersionOp& op, ValueStyle style);

// CREATE TABLE IF NOT EXISTS for the ledger (columns in ledger.hpp's LedgerEntry).
std::string create_ledger_sql(core::Dialect dialect, const LedgerTable& table);

}  // namespace magent::db
