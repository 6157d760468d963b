#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/db/connect.hpp"
#include "agent/db/database.hpp"

namespace magent::db {

// The GET_LOCK name for `key` in `database`: "magent:DATABASE:KEY". GET_LOCK names are
// server-wide, so the database is part of the name; names longer than MySQL's 64-character
// limit keep an ASCII prefix and end in "#" and the 16-hex-digit fnv1a64 of the full name.
std::string mysql_lock_name(std::string_view database, std::string_view key);

// MySQL and MariaDB through mysql-connector-c++ 1.1 (pimpl: no connector type crosses this
// header). One connection (autocommit on outside begin/commit) for migrations and our
// queries, plus a dedicated connection, opened lazily (from ConnectOptions::lock_url when
// given), that holds the GET_LOCK lock. Automatic reconnection is off: a lost connection
// is reported as ErrorKind::unreachable and the caller opens a new Database.
// URL options: ?unix_socket=/path (instead of TCP), ?charset= (default utf8mb4),
// ?ssl_ca= ?ssl_cert= ?ssl_key=; other options are ignored.
class MysqlDatabase final : public Database {
 public:
  // Connects; ErrorKind::unreachable with the redacted URL and the server's reason.
  static core::Result<std::unique_ptr<MysqlDatabase>> open(const ConnectOptions& options);
  ~MysqlDatabase() override;
  MysqlDatabase(const MysqlDatabase&) = delete;
  MysqlDatabase& operator=(const MysqlDatabase&) = delete;

  core::Dialect dialect() const override;
  // Always false: MySQL commits implicitly around every DDL statement.
  bool transactional_ddl() const override;

  // One statement, text protocol, as written (CREATE TRIGGER ... BEGIN ... END included).
  core::Result<void> execute(std::string_view sql) override;
  // A server-side prepared statement when there are parameters, else the text protocol.
  // Errors carry MySQL's error number, SQLSTATE and text.
  core::Result<Rows> query(std::string_view sql, const std::vector<Value>& params = {}) override;
  core::Result<std::int64_t> modify(std::string_view sql,
                                    const std::vector<Value>& params = {}) override;

  // START TRANSACTION / COMMIT / ROLLBACK; DDL inside still commits implicitly.
  core::Result<void> begin() override;
  core::Result<void> commit() override;
  core::Result<void> rollback() override;

  // Base tables from information_schema; an empty schema means DATABASE().
  core::Result<bool> table_exists(std::string_view schema, std::string_view table) override;
  // Base tables of DATABASE(), sorted by name.
  core::Result<std::vector<std::string>> list_tables() override;

  // lock: SESSION lock_wait_timeout and innodb_lock_wait_timeout (whole seconds, at least
  // 1); statement: MariaDB max_statement_time / MySQL max_execution_time (SELECT only).
  // Zero restores the server default.
  core::Result<void> set_step_timeouts(const StepTimeouts& timeouts) override;

  // `name` or, for "schema.name", `schema`.`name`; embedded backticks are doubled.
  std::string quote_identifier(std::string_view name) const override;

  // GET_LOCK(mysql_lock_name(db, key), 0) on the lock connection; never waits.
  // Taking the key already held returns true; a second, different key is a usage error.
  core::Result<bool> try_lock(std::string_view key) override;
  // RELEASE_LOCK on the lock connection; a no-op when nothing is held.
  core::Result<void> unlock() override;
  // "PROGRAM (mysql connection ID, user U@HOST, db D)" of the holder, from IS_USED_LOCK and
  // information_schema.PROCESSLIST; PROGRAM (the holder's application_name) appears when
  // performance_schema is on.
  core::Result<std::optional<std::string>> lock_holder(std::string_view key) override;

  // "MariaDB 10.11.6 at host:port/db" (or "MySQL 8.0.36 at ...").
  std::string describe() const override;
  // KILL QUERY for this session's statement, sent from a new connection.
  std::function<core::Result<void>()> statement_canceller() const override;

 private:
  struct Impl;
  explicit MysqlDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace magent::db
