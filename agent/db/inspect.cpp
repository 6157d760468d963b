#include "agent/db/inspect.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "agent/db/schema_drift.hpp"
#include "agent/db/schema_fingerprint.hpp"
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

// The "host:pid" a lock holder description names in its first word ("name@host:pid
// (...)", as every adapter writes it for an agent), or "" when it names no process (a
// MySQL server without performance_schema, an operator's psql, a bare lock file).
std::string holder_process(const std::string& holder) {
  const std::string first = holder.substr(0, holder.find(' '));
  const auto at = first.find('@');
  const auto colon = first.rfind(':');
  if (at == std::string::npos || colon == std::string::npos || colon < at ||
      colon + 1 == first.size()) {
    return "";
  }
  for (std::size_t i = colon + 1; i < first.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(first[i])) == 0) return "";
  }
  return first.substr(at + 1);
}

// Whether the `started` row `entry` is a step running right now rather than one that died
// half-way: someone holds the migration lock, the row is the newest in the ledger (a
// holder writes its step's row last), and the holder, when it names its process, is the
// process that wrote the row.
bool running_now(const LedgerEntry& entry, std::int64_t newest_id,
                 const std::optional<std::string>& holder) {
  if (!holder || entry.outcome != LedgerOutcome::started || entry.id != newest_id) return false;
  const std::string process = holder_process(*holder);
  return process.empty() || process == entry.host + ":" + std::to_string(entry.pid);
}

// Failed or unfinished steps, minus those an operator has since settled with a stamp and
// the one the lock holder is running right now. `recent` is newest first.
std::vector<core::DatabaseFacts::Unresolved> unresolved_since_stamp(
    const std::vector<LedgerEntry>& unresolved, const std::vector<LedgerEntry>& recent,
    const std::vector<std::optional<std::string>>& lock_holders) {
  std::optional<std::int64_t> last_stamp;
  for (const LedgerEntry& e : recent) {
    if (e.direction == LedgerDirection::stamp && e.outcome == LedgerOutcome::succeeded) {
      last_stamp = std::max(last_stamp.value_or(0), e.id);
    }
  }
  const std::int64_t newest_id = recent.empty() ? 0 : recent.front().id;
  std::vector<core::DatabaseFacts::Unresolved> out;
  for (const LedgerEntry& e : unresolved) {
    if (last_stamp && e.id < *last_stamp) continue;
    if (std::any_of(lock_holders.begin(), lock_holders.end(),
                    [&](const auto& holder) { return running_now(e, newest_id, holder); })) {
      continue;
    }
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
  // The holder before and after the ledger is read: a running step's `started` row is
  // recognised as long as its process held the lock at either moment.
  auto holder_before = db.lock_holder(lock_key);
  if (!holder_before) return holder_before.error();

  auto versions = read_versions(db, version_table);
  if (!versions) return versions.error();
  out.facts.version_table_exists = versions->table_exists;
  out.facts.revisions = versions->revisions;

  auto ledger = db.table_exists(ledger_table.schema, ledger_table.name);
  if (!ledger) return ledger.error();
  out.ledger_exists = *ledger;
  if (out.ledger_exists) {
    auto recent = read_recent(db, ledger_table, std::max<std::size_t>(recent_rows, 50));
    if (!recent) return recent.error();
    auto unresolved = unresolved_entries(db, ledger_table, 20);
    if (!unresolved) return unresolved.error();
    auto holder_after = db.lock_holder(lock_key);
    if (!holder_after) return holder_after.error();
    out.lock_holder = *holder_after;
    out.facts.unresolved =
        unresolved_since_stamp(*unresolved, *recent, {*holder_before, out.lock_holder});
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

  if (!out.ledger_exists) out.lock_holder = *holder_before;

  // Hand-made DDL: only while nobody migrates (a run changes the schema on purpose).
  if (out.ledger_exists && out.facts.version_table_exists && !out.lock_holder) {
    auto difference = schema_difference(db, schema_scope_for(version_table, ledger_table),
                                        ledger_table, out.facts.revisions);
    if (!difference) return difference.error();
    out.facts.schema_difference = *difference;
  }
  return out;
}

}  // namespace magent::db
