#include "agent/db/inspect.hpp"

#include <algorithm>
#include <map>

#include "agent/db/version_store.hpp"

namespace magent::db {
namespace {

// The checksum each revision had when the agent last applied it (upgrade, succeeded).
core::Result<std::vector<core::DatabaseFacts::AppliedChecksum>> applied_checksums(
    Database& db, const LedgerTable& table) {
  auto rows = db.query("SELECT revision, checksum FROM " +
                       qualified_name(db.dialect(), table.schema, table.name) +
                       " WHERE direction = 'upgrade' AND outcome = 'succeeded' ORDER BY id");
  if (!rows) return rows.error();
  std::map<std::string, std::string> latest;
  for (const Row& row : *rows) {
    if (row.size() >= 2 && row[0]) latest[*row[0]] = row[1].value_or("");
  }
  std::vector<core::DatabaseFacts::AppliedChecksum> out;
  for (auto& [revision, checksum] : latest) out.push_back({revision, checksum});
  return out;
}

// Failed or unfinished steps, minus those an operator has since settled with a stamp and,
// while someone holds the migration lock, the unfinished ones: a `started` row is then a
// step still running (another replica's, on MySQL), not one that died; a dead agent's
// session ends and frees the lock, and its row counts again.
std::vector<core::DatabaseFacts::Unresolved> unresolved_since_stamp(
    const std::vector<LedgerEntry>& unresolved, const std::vector<LedgerEntry>& recent,
    bool lock_held) {
  std::optional<std::int64_t> last_stamp;
  for (const LedgerEntry& e : recent) {
    if (e.direction == LedgerDirection::stamp && e.outcome == LedgerOutcome::succeeded) {
      last_stamp = std::max(last_stamp.value_or(0), e.id);
    }
  }
  std::vector<core::DatabaseFacts::Unresolved> out;
  for (const LedgerEntry& e : unresolved) {
    if (last_stamp && e.id < *last_stamp) continue;
    if (lock_held && e.outcome == LedgerOutcome::started) continue;
    out.push_back({e.revision, std::string(to_string(e.outcome)), e.error.value_or(""),
                   format_timestamp(e.started_at), e.checksum});
  }
  return out;
}

}  // namespace

core::Result<Inspection> inspect(Database& db, const VersionTable& version_table,
                                 const LedgerTable& ledger_table, const std::string& lock_key,
                                 std::size_t recent_rows) {
  Inspection out;
  auto versions = read_versions(db, version_table);
  if (!versions) return versions.error();
  out.facts.version_table_exists = versions->table_exists;
  out.facts.revisions = versions->revisions;

  auto holder = db.lock_holder(lock_key);
  if (!holder) return holder.error();
  out.lock_holder = *holder;

  auto ledger = db.table_exists(ledger_table.schema, ledger_table.name);
  if (!ledger) return ledger.error();
  out.ledger_exists = *ledger;
  if (out.ledger_exists) {
    auto recent = read_recent(db, ledger_table, std::max<std::size_t>(recent_rows, 50));
    if (!recent) return recent.error();
    auto unresolved = unresolved_entries(db, ledger_table, 20);
    if (!unresolved) return unresolved.error();
    out.facts.unresolved =
        unresolved_since_stamp(*unresolved, *recent, out.lock_holder.has_value());
    auto checksums = applied_checksums(db, ledger_table);
    if (!checksums) return checksums.error();
    out.facts.applied_checksums = std::move(*checksums);
    recent->resize(std::min(recent->size(), recent_rows));
    out.recent = std::move(*recent);
  }

  if (!out.facts.version_table_exists) {
    auto tables = db.list_tables();
    if (!tables) return tables.error();
    for (const std::string& t : *tables) {
      if (t != version_table.name && t != ledger_table.name) out.facts.user_tables.push_back(t);
    }
  }

  return out;
}

}  // namespace magent::db
