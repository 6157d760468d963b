#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/db/database.hpp"
#include "agent/db/sql_dialect.hpp"

// The ledger `migration_agent_log` (DESIGN.md section 6): one row per step the agent
// applied, stamped or failed. Engine-neutral, on top of Database. These are primitives:
// the caller decides what a step's outcome was and owns any transaction; nothing here
// marks a step succeeded on its own.
namespace magent::db {

using WallTime = std::chrono::system_clock::time_point;

// What a ledger row records.
enum class LedgerDirection { upgrade, downgrade, stamp };
enum class LedgerOutcome { started, succeeded, failed };
enum class LedgerTrigger { automatic, manual, cli };  // stored as "auto", "manual", "cli"

std::string_view to_string(LedgerDirection direction);
std::string_view to_string(LedgerOutcome outcome);
std::string_view to_string(LedgerTrigger trigger);
std::optional<LedgerDirection> ledger_direction_from_string(std::string_view text);
std::optional<LedgerOutcome> ledger_outcome_from_string(std::string_view text);
std::optional<LedgerTrigger> ledger_trigger_from_string(std::string_view text);

// Errors longer than this many bytes are cut (at a UTF-8 boundary) and marked.
inline constexpr std::size_t k_max_ledger_error_bytes = 4000;

// One ledger row. `id` is 0 until append() stores it.
struct LedgerEntry {
  std::int64_t id = 0;
  std::string revision;  // the step's revision id (the target, for a stamp)
  LedgerDirection direction = LedgerDirection::upgrade;
  std::string path;      // migration file relative to the migrations directory; "" for a stamp
  std::string checksum;  // lowercase hex SHA-256 of the file; "" for a stamp
  WallTime started_at{};
  std::optional<WallTime> finished_at;
  std::optional<std::chrono::milliseconds> duration;
  LedgerOutcome outcome = LedgerOutcome::started;
  std::optional<std::string> error;
  std::string host;
  std::int64_t pid = 0;
  std::string agent_version;
  LedgerTrigger trigger = LedgerTrigger::automatic;
  std::optional<std::int64_t> peer_uid;  // control-socket peer, for manual commands
  std::optional<std::int64_t> peer_pid;
  // alembic_version rows after the step (stored comma-separated); nullopt = not recorded,
  // empty = base.
  std::optional<std::vector<std::string>> versions_after;
  std::optional<std::string> schema_fingerprint;
};

// How a started step ended, for update_outcome().
struct LedgerResolution {
  LedgerOutcome outcome = LedgerOutcome::succeeded;  // succeeded or failed, never started
  WallTime finished_at{};
  std::chrono::milliseconds duration{0};
  std::optional<std::string> error;
  std::optional<std::vector<std::string>> versions_after;
  std::optional<std::string> schema_fingerprint;
  // Set when the row ends up recording another step than the one it was started for: a
  // runner batch's row, started for its first revision, records the revision Alembic failed
  // in when the failure rolled the first one back with it (one transaction on PostgreSQL).
  struct StepFile {
    std::string revision;
    std::string path;
    std::string checksum;
  };
  std::optional<StepFile> step;
};

// `2026-11-23T12:00:00.123Z`: UTC, milliseconds, sortable as text.
std::string format_timestamp(WallTime time);
// Parses format_timestamp()'s output; nullopt for anything else.
std::optional<WallTime> parse_timestamp(std::string_view text);
// Cuts `error` to k_max_ledger_error_bytes at a UTF-8 boundary, appending " [truncated]".
std::string truncate_error(std::string_view error);

// Creates the ledger table unless it exists (safe to call every start, and concurrently).
core::Result<void> ensure_ledger(Database& db, const LedgerTable& table);

// Stores `entry` (its id ignored) and returns the new row's id.
core::Result<std::int64_t> append(Database& db, const LedgerTable& table, const LedgerEntry& entry);

// Records how the `started` row `id` ended. ErrorKind::step_failed when no such row is
// still `started`: a finished row's outcome is never rewritten.
core::Result<void> update_outcome(Database& db, const LedgerTable& table, std::int64_t id,
                                  const LedgerResolution& resolution);

// Stores `fingerprint` (schema_fingerprint.hpp's serialize() text) on row `id`, whatever
// its outcome; replaces any earlier one. ErrorKind::step_failed when there is no such row.
core::Result<void> set_schema_fingerprint(Database& db, const LedgerTable& table, std::int64_t id,
                                          std::string_view fingerprint);

// The newest `limit` rows, newest first.
core::Result<std::vector<LedgerEntry>> read_recent(Database& db, const LedgerTable& table,
                                                   std::size_t limit);

// The newest row for `revision` (any direction), or nullopt.
core::Result<std::optional<LedgerEntry>> last_entry_for(Database& db, const LedgerTable& table,
                                                        std::string_view revision);

// Rows that are `failed`, or still `started` (a crash, or a step running right now),
// with no later `succeeded` row for the same revision; newest first, at most `limit`.
// The daemon's `failed` drift and its do-not-retry-the-same-files rule read these.
core::Result<std::vector<LedgerEntry>> unresolved_entries(Database& db, const LedgerTable& table,
                                                          std::size_t limit);

}  // namespace magent::db
