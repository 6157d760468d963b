#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/db/connect.hpp"
#include "agent/db/database.hpp"

namespace magent::db {

// PostgreSQL through libpqxx 6.4 (pimpl: no libpqxx type crosses this header).
// One session for migrations and our queries, plus a dedicated session, opened lazily
// (from ConnectOptions::lock_url when given), that holds the advisory lock. Neither
// session reconnects behind the caller's back: a lost connection is reported as
// ErrorKind::unreachable and the caller opens a new Database.
class PostgresDatabase final : public Database {
 public:
  // Connects; ErrorKind::unreachable with the redacted URL and the server's reason.
  static core::Result<std::unique_ptr<PostgresDatabase>> open(const ConnectOptions& options);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  core::Dialect dialect() const override;
  // Always true: PostgreSQL DDL joins the surrounding transaction.
  bool transactional_ddl() const override;

  // Runs the text verbatim with the simple query protocol (DDL, DO blocks, dollar-quoted
  // functions, CREATE INDEX CONCURRENTLY outside a transaction).
  core::Result<void> execute(std::string_view sql) override;
  // `?` placeholders become $1..$n (outside quotes and comments); parameters go as text.
  core::Result<Rows> query(std::string_view sql, const std::vector<Value>& params = {}) override;
  core::Result<std::int64_t> modify(std::string_view sql,
                                    const std::vector<Value>& params = {}) override;

  // Plain BEGIN / COMMIT / ROLLBACK on the session; BEGIN goes out with the transaction's
  // first statement, in the same round trip when it has no parameters. commit() fails when
  // the server rolled the transaction back instead (an earlier statement in it had failed).
  core::Result<void> begin() override;
  core::Result<void> commit() override;
  core::Result<void> rollback() override;

  // Ordinary or partitioned tables; an empty schema searches the session's search_path.
  core::Result<bool> table_exists(std::string_view schema, std::string_view table) override;
  // Tables of current_schema(), sorted by name.
  core::Result<std::vector<std::string>> list_tables() override;

  // Session-level SET statement_timeout / lock_timeout in ms; zero restores the default.
  core::Result<void> set_step_timeouts(const StepTimeouts& timeouts) override;

  // "name" or, for "schema.name", "schema"."name"; embedded quotes are doubled.
  std::string quote_identifier(std::string_view name) const override;

  // pg_try_advisory_lock(fnv1a64(key) as bigint) on the lock session; never blocks.
  // Advisory locks are per database, so equal keys in two databases do not collide.
  // Taking the key already held returns true; a second, different key is a usage error.
  core::Result<bool> try_lock(std::string_view key) override;
  // pg_advisory_unlock on the lock session; a no-op when nothing is held.
  core::Result<void> unlock() override;
  // "application_name (pg backend PID, user U, client ADDR, connected T)" of the session
  // holding `key` in this database, from pg_locks and pg_stat_activity.
  core::Result<std::optional<std::string>> lock_holder(std::string_view key) override;

  // "PostgreSQL 15.8 at host:port/db".
  std::string describe() const override;

 private:
  struct Impl;
  explicit PostgresDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace magent::db
