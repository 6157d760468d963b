#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::db {

// A bound parameter or a result cell.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;

// Rows of a query, each cell converted to text (NULL as nullopt).
using Row = std::vector<std::optional<std::string>>;
using Rows = std::vector<Row>;

// Where the version table lives and how wide its column is (DESIGN.md section 5).
struct VersionTable {
  std::string name = "alembic_version";
  std::string schema;  // PostgreSQL schema or MySQL database; empty = the connection's default
  int width = 32;
};

// Per-step server-side timeouts; zero means "leave the server default".
struct StepTimeouts {
  std::chrono::milliseconds statement{0};  // PostgreSQL statement_timeout, MySQL max_execution_time
  std::chrono::milliseconds lock{0};       // PostgreSQL lock_timeout, MySQL lock_wait_timeout
};

// One connection to one database, the only thing that speaks to a driver. Adapters live in
// db/sqlite, db/postgres and db/mysql; driver exceptions never cross this interface.
// Queries use `?` placeholders on every engine; adapters translate where needed.
// Not thread-safe: one owner at a time.
class Database {
 public:
  virtual ~Database() = default;

  // The engine's dialect (chooses .sql sections and generated SQL).
  virtual core::Dialect dialect() const = 0;
  // True when DDL joins the surrounding transaction (PostgreSQL, SQLite; not MySQL).
  virtual bool transactional_ddl() const = 0;

  // Runs one statement of a migration as written; no parameters, no result.
  virtual core::Result<void> execute(std::string_view sql) = 0;
  // Runs one statement of our own with `?` parameters and returns its rows (maybe none).
  virtual core::Result<Rows> query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs one INSERT, UPDATE or DELETE of our own with `?` parameters and returns how many rows
  // it matched (on MySQL too, where the server would otherwise count only changed rows), so
  // that a row check needs no SELECT of its own.
  virtual core::Result<std::int64_t> modify(std::string_view sql,
                                            const std::vector<Value>& params = {}) = 0;

  virtual core::Result<void> begin() = 0;
  virtual core::Result<void> commit() = 0;
  // Never fails loudly: a rollback on a broken connection is logged by the caller's result.
  virtual core::Result<void> rollback() = 0;

  // True when the table exists; `schema` empty means the connection's default schema.
  virtual core::Result<bool> table_exists(std::string_view schema, std::string_view table) = 0;
  // Lists the user tables of the default schema (for baseline and unversioned detection).
  virtual core::Result<std::vector<std::string>> list_tables() = 0;

  // Sets StepTimeouts for the statements that follow on this session.
  virtual core::Result<void> set_step_timeouts(const StepTimeouts& timeouts) = 0;

  // Quotes an identifier (and optional schema prefix) for this dialect.
  virtual std::string quote_identifier(std::string_view name) const = 0;

  // The migration lock (DESIGN.md section 6), held by a dedicated session or file so that
  // it is released when this process dies. try_lock never blocks.
  virtual core::Result<bool> try_lock(std::string_view key) = 0;
  virtual core::Result<void> unlock() = 0;
  // Who holds the lock now, in words ("migration-agent@host:pid (pg backend 1234)"), or
  // nullopt when nobody does.
  virtual core::Result<std::optional<std::string>> lock_holder(std::string_view key) = 0;

  // Short description of the server for logs, password-free ("PostgreSQL 15.5 at 127.0.0.1:5432/app").
  virtual std::string describe() const = 0;

  // A way to stop, from another thread, the statement this session is running: the daemon
  // uses it when its shutdown grace runs out mid-step. MySQL/MariaDB run a statement on
  // after its client has gone (DDL included), so theirs sends KILL QUERY from a connection
  // of its own. Empty for engines that need none: PostgreSQL looks for its client and
  // rolls back (client_connection_check_interval), SQLite runs in this process.
  virtual std::function<core::Result<void>()> statement_canceller() const { return {}; }
};

}  // namespace magent::db
