#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/db/connect.hpp"
#include "agent/db/database.hpp"

namespace magent::db {

// The SQLite adapter (SQLiteCpp behind a pimpl). The file is `url.database` ("" = in
// memory); a busy timeout lets concurrent processes wait instead of failing at once;
// foreign keys are on; the journal mode is left as the operator set it. begin() takes the
// write lock up front (BEGIN IMMEDIATE). The migration lock is an flock(2) on
// `<database file>.lock` (a process-local lock keyed by `key` for in-memory databases).
class SqliteDatabase final : public Database {
 public:
  // Opens the database; ErrorKind::unreachable (naming the path) when it cannot.
  static core::Result<std::unique_ptr<SqliteDatabase>> open(const ConnectOptions& options);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  core::Dialect dialect() const override { return core::Dialect::sqlite; }
  bool transactional_ddl() const override { return true; }

  core::Result<void> execute(std::string_view sql) override;
  core::Result<Rows> query(std::string_view sql, const std::vector<Value>& params = {}) override;
  core::Result<std::int64_t> modify(std::string_view sql,
                                    const std::vector<Value>& params = {}) override;

  core::Result<void> begin() override;
  core::Result<void> commit() override;
  core::Result<void> rollback() override;

  core::Result<bool> table_exists(std::string_view schema, std::string_view table) override;
  core::Result<std::vector<std::string>> list_tables() override;

  // SQLite has no server timeouts: a nonzero `lock` becomes the busy timeout.
  core::Result<void> set_step_timeouts(const StepTimeouts& timeouts) override;

  std::string quote_identifier(std::string_view name) const override;

  core::Result<bool> try_lock(std::string_view key) override;
  core::Result<void> unlock() override;
  core::Result<std::optional<std::string>> lock_holder(std::string_view key) override;

  std::string describe() const override;

 private:
  struct Impl;
  explicit SqliteDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace magent::db
