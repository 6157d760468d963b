#include "agent/db/version_store.hpp"

#include <algorithm>
#include <cstdint>

#include "agent/db/sql_dialect.hpp"

namespace magent::db {
namespace {

std::vector<Value> to_values(const std::vector<std::string>& params) {
  return std::vector<Value>(params.begin(), params.end());
}

// Alembic's HeadMaintainer messages, word for word (alembic/runtime/migration.py).
std::string match_error(const core::VersionOp& op, const VersionTable& table, std::int64_t found) {
  std::string what = op.kind == core::VersionOp::Kind::update
                         ? "updating '" + op.from + "' to '" + op.to + "'"
                         : "deleting '" + op.from + "'";
  return "Online migration expected to match one row when " + what + " in '" + table.name + "'; " +
         std::to_string(found) + " found";
}

}  // namespace

core::Result<VersionState> read_versions(Database& db, const VersionTable& table) {
  auto exists = db.table_exists(table.schema, table.name);
  if (!exists) return exists.error();
  VersionState state;
  if (!*exists) return state;
  state.table_exists = true;
  auto rows = db.query(select_versions_sql(db.dialect(), table));
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    if (!row.empty() && row.front()) state.revisions.push_back(*row.front());
  }
  // The engine's collation decides ORDER BY; callers get one byte order everywhere.
  std::sort(state.revisions.begin(), state.revisions.end());
  return state;
}

core::Result<void> ensure_version_table(Database& db, const VersionTable& table) {
  auto exists = db.table_exists(table.schema, table.name);
  if (!exists) return exists.error();
  if (*exists) return {};
  return db.execute(create_version_table_sql(db.dialect(), table));
}

core::Result<void> clear_versions(Database& db, const VersionTable& table) {
  auto done = db.query(delete_all_versions_sql(db.dialect(), table));
  if (!done) return done.error();
  return {};
}

core::Result<void> apply_version_ops(Database& db, const VersionTable& table,
                                     const std::vector<core::VersionOp>& ops) {
  for (const core::VersionOp& op : ops) {
    const BoundStatement statement =
        render_version_op(db.dialect(), table, op, ValueStyle::placeholders);
    auto matched = db.modify(statement.sql, to_values(statement.params));
    if (!matched) return matched.error();
    // As Alembic does: an UPDATE or DELETE must have matched exactly one row. Else the
    // caller rolls the step's transaction back.
    if (op.kind != core::VersionOp::Kind::insert && *matched != 1) {
      return core::make_error(core::ErrorKind::step_failed, match_error(op, table, *matched));
    }
  }
  return {};
}

}  // namespace magent::db
