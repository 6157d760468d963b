#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/core/database_url.hpp"
#include "agent/core/result.hpp"
#include "agent/db/database.hpp"
#include "agent/platform/clock.hpp"

namespace magent::db {

// What opening a SQLite file that does not exist does: create it (commands that write), or
// read it as an empty database without creating anything (read-only commands: a mistyped
// path must not leave an empty file behind), with a warning in the log.
enum class MissingDatabase { create, read_as_empty };

// How to open a connection; the adapter is chosen by the URL's dialect from one table.
struct ConnectOptions {
  core::DatabaseUrl url;
  std::optional<core::DatabaseUrl> lock_url;  // separate session for the lock (PgBouncer)
  std::chrono::milliseconds connect_timeout{10'000};
  MissingDatabase missing = MissingDatabase::create;
  // Who this process is to the server; adapters append "@host:pid" so the lock holder names
  // the process (PostgreSQL application_name, MySQL program_name, SQLite lock file).
  std::string application_name = "migration-agent";
};

// Opens a connection; failures are ErrorKind::unreachable with the redacted URL.
core::Result<std::unique_ptr<Database>> open_database(const ConnectOptions& options);

// Opens a connection, retrying unreachable errors with jittered backoff (1 s doubling to
// 15 s) until `wait` has passed; `wait` zero tries once. For start-up ordering, where the
// agent may come up before its database. Other errors return at once.
core::Result<std::unique_ptr<Database>> open_database_waiting(const ConnectOptions& options,
                                                              std::chrono::milliseconds wait,
                                                              platform::Clock& clock);

// application_name + "@host:pid" of the calling process.
std::string session_identity(const ConnectOptions& options);

// The per-engine factories the table in connect.cpp points at (one per adapter folder).
core::Result<std::unique_ptr<Database>> open_sqlite(const ConnectOptions& options);
core::Result<std::unique_ptr<Database>> open_postgres(const ConnectOptions& options);
core::Result<std::unique_ptr<Database>> open_mysql(const ConnectOptions& options);

}  // namespace magent::db
