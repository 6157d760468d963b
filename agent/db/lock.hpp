#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "agent/core/database_url.hpp"
#include "agent/core/result.hpp"
#include "agent/db/database.hpp"
#include "agent/platform/clock.hpp"

// The migration lock (DESIGN.md section 6): a key per database and version table, polled
// with jittered exponential backoff up to a bounded wait, released by a RAII guard.
namespace magent::db {

// The stable lock key for one version table in one database: dialect, host (lower case),
// port (engine default filled in), database name or SQLite path, schema and table. User,
// password, driver suffix and query options do not change it.
//   "magent:postgresql://db.internal:5432/app#public.alembic_version"
std::string lock_key(const core::DatabaseUrl& url, const VersionTable& table);

// The key as a PostgreSQL advisory-lock bigint (64-bit FNV-1a of its bytes).
std::int64_t lock_key_int64(std::string_view key);

// The key as a MySQL GET_LOCK name (at most 64 characters): the key itself when short
// enough, else its first 47 characters, '#', and 16 hex digits of lock_key_int64.
std::string lock_key_name(std::string_view key);

// Jittered exponential backoff between try_lock polls.
struct Backoff {
  std::chrono::milliseconds initial{50};
  std::chrono::milliseconds max{1'000};
  double factor = 2.0;
  double jitter = 0.25;  // each delay scaled by a factor in [1 - jitter, 1 + jitter)
};

// The delay after failed poll number `attempt` (0-based): initial * factor^attempt capped
// at max, then jittered by `unit_random` in [0, 1) (0.5 = no jitter).
std::chrono::milliseconds backoff_delay(const Backoff& backoff, int attempt, double unit_random);

// Holds the migration lock of one Database and releases it on destruction. Must not
// outlive that Database. Movable, not copyable.
class LockGuard {
 public:
  LockGuard() = default;  // holds nothing
  LockGuard(Database& db, std::chrono::milliseconds waited);
  ~LockGuard();  // unlocks; never throws (a failed unlock is dropped, the session's end frees it)
  LockGuard(LockGuard&& other) noexcept;
  LockGuard& operator=(LockGuard&& other) noexcept;
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

  bool held() const { return m_db != nullptr; }
  // How long acquire_lock waited before it got the lock (the lock-wait metric).
  std::chrono::milliseconds waited() const { return m_waited; }
  // Unlocks now and reports how that went; afterwards the guard holds nothing.
  core::Result<void> release();

 private:
  Database* m_db = nullptr;
  std::chrono::milliseconds m_waited{0};
};

// Polls db.try_lock(key) with `backoff` until it succeeds or `timeout` has passed (a zero
// timeout tries once). ErrorKind::lock_timeout naming the holder (db.lock_holder) when
// the time is up; try_lock's own error (e.g. unreachable) as soon as it fails;
// ErrorKind::io when `stop_requested` (asked after every failed try) says to give up.
core::Result<LockGuard> acquire_lock(Database& db, std::string_view key,
                                     std::chrono::milliseconds timeout, platform::Clock& clock,
                                     const Backoff& backoff = {},
                                     const std::function<bool()>& stop_requested = {});

}  // namespace magent::db
