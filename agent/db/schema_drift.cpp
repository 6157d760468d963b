#include "agent/db/schema_drift.hpp"

#include <algorithm>
#include <charconv>

#include "agent/db/ledger.hpp"

namespace magent::db {
namespace {

std::vector<std::string> split_versions(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    out.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return items;
}

}  // namespace

core::Result<std::optional<StoredSchema>> last_stored_schema(Database& db,
                                                             const LedgerTable& ledger_table) {
  auto exists = db.table_exists(ledger_table.schema, ledger_table.name);
  if (!exists) return exists.error();
  if (!*exists) return std::optional<StoredSchema>();
  auto rows =
      db.query("SELECT id, versions_after, schema_fingerprint FROM " +
                   qualified_name(db.dialect(), ledger_table.schema, ledger_table.name) +
                   " WHERE schema_fingerprint IS NOT NULL AND outcome = ? ORDER BY id DESC LIMIT 1",
               {std::string(to_string(LedgerOutcome::succeeded))});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<StoredSchema>();
  const Row& row = rows->front();
  if (row.size() != 3) {
    return core::make_error(core::ErrorKind::step_failed,
                            "ledger query returned " + std::to_string(row.size()) + " columns");
  }
  StoredSchema stored;
  const std::string id = row[0].value_or("");
  std::from_chars(id.data(), id.data() + id.size(), stored.ledger_id);
  if (row[1]) stored.versions = split_versions(*row[1]);
  stored.text = row[2].value_or("");
  return std::optional<StoredSchema>(std::move(stored));
}

core::Result<std::string> record_schema_fingerprint(Database& db, const SchemaScope& scope,
                                                    const LedgerTable& ledger_table,
                                                    std::int64_t ledger_id) {
  auto snapshot = read_schema(db, scope);
  if (!snapshot) return snapshot.error();
  std::string text = serialize(*snapshot);
  if (auto stored = set_schema_fingerprint(db, ledger_table, ledger_id, text); !stored) {
    return stored.error();
  }
  return text;
}

core::Result<std::string> record_schema_fingerprint(Database& db, const SchemaScope& scope,
                                                    const LedgerTable& ledger_table) {
  auto rows = db.query("SELECT MAX(id) FROM " +
                           qualified_name(db.dialect(), ledger_table.schema, ledger_table.name) +
                           " WHERE outcome = ?",
                       {std::string(to_string(LedgerOutcome::succeeded))});
  if (!rows) return rows.error();
  std::int64_t id = 0;
  if (!rows->empty() && !rows->front().empty() && rows->front()[0]) {
    const std::string& text = *rows->front()[0];
    std::from_chars(text.data(), text.data() + text.size(), id);
  }
  if (id <= 0) {
    return core::make_error(core::ErrorKind::step_failed,
                            "no succeeded row in " + ledger_table.name + " to hold the schema");
  }
  return record_schema_fingerprint(db, scope, ledger_table, id);
}

core::Result<std::optional<std::string>> schema_difference(
    Database& db, const SchemaScope& scope, const LedgerTable& ledger_table,
    const std::vector<std::string>& current_revisions) {
  using Answer = std::optional<std::string>;
  auto stored = last_stored_schema(db, ledger_table);
  if (!stored) return stored.error();
  if (!*stored || !(*stored)->versions) return Answer();
  if (sorted(*(*stored)->versions) != sorted(current_revisions)) return Answer();
  auto before = deserialize((*stored)->text);
  if (!before || before->dialect != db.dialect()) return Answer();
  auto live = read_schema(db, scope);
  if (!live) return live.error();
  if (serialize(*live) == (*stored)->text) return Answer();
  const std::vector<std::string> changes = diff(*before, *live);
  if (changes.empty()) return Answer();  // the stored text was not canonical; same schema
  return Answer(summarize_changes(changes));
}

std::string summarize_changes(const std::vector<std::string>& changes, std::size_t shown) {
  std::string out;
  const std::size_t count = std::min(shown, changes.size());
  for (std::size_t i = 0; i < count; ++i) {
    if (!out.empty()) out += "; ";
    out += changes[i];
  }
  if (changes.size() > count) out += "; and " + std::to_string(changes.size() - count) + " more";
  return out;
}

}  // namespace magent::db
