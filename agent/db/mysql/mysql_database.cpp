#include "agent/db/mysql/mysql_database.hpp"

#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "agent/db/adapter_util.hpp"
#include "agent/db/mysql/mysql_session.hpp"

namespace magent::db {
namespace {

using mysql_detail::address;
using mysql_detail::connect_session;
using mysql_detail::drain;
using mysql_detail::driver_message;
using mysql_detail::is_connection_error;
using mysql_detail::Session;

constexpr std::size_t k_max_lock_name = 64;

std::string quote_one(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string first_cell(const Rows& rows) {
  if (rows.empty() || rows.front().empty() || !rows.front().front()) return {};
  return *rows.front().front();
}

}  // namespace

std::string mysql_lock_name(std::string_view database, std::string_view key) {
  std::string full = "magent:" + std::string(database) + ":" + std::string(key);
  if (full.size() <= k_max_lock_name) return full;
  const std::string suffix = "#" + hex64(fnv1a64(full));
  std::string prefix;
  for (char c : full) {
    if (prefix.size() + suffix.size() >= k_max_lock_name) break;
    if (static_cast<unsigned char>(c) >= 0x80) break;  // never cut a UTF-8 sequence
    prefix += c;
  }
  return prefix + suffix;
}

struct MysqlDatabase::Impl {
  ConnectOptions options;
  std::unique_ptr<Session> main;
  std::unique_ptr<Session> lock;  // opened by the first try_lock
  std::optional<std::string> held_key;
  bool mariadb = true;
  std::string description;
  std::string connection_id;  // the main session's CONNECTION_ID(), for KILL QUERY

  // Classifies the exception being handled; call only inside a catch block.
  core::Error current_error(Session& session) const {
    std::string message;
    bool connection_gone = false;
    try {
      throw;
    } catch (const sql::SQLException& e) {
      message = driver_message(e);
      connection_gone = is_connection_error(e.getErrorCode());
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "unknown driver error";
    }
    message = one_line(core::redact_secrets(message, session.url));
    if (connection_gone) {
      session.lost_reason = message;
      return core::make_error(core::ErrorKind::unreachable,
                              "lost the connection to " + description + ": " + message);
    }
    return core::make_error(core::ErrorKind::step_failed, message);
  }

  core::Error lost_error(const Session& session) const {
    return core::make_error(
        core::ErrorKind::unreachable,
        "the connection to " + description + " was lost earlier (" + session.lost_reason + ")");
  }

  // The session's prepared statement for `text` with `params` bound. Throws.
  static sql::PreparedStatement& bound(Session& session, std::string_view text,
                                       const std::vector<Value>& params) {
    sql::PreparedStatement& statement = session.prepare(text);
    for (unsigned int i = 0; i < params.size(); ++i) {
      const Value& value = params[i];
      if (const auto* s = std::get_if<std::string>(&value)) {
        statement.setString(i + 1, sql::SQLString(*s));
      } else if (const auto* n = std::get_if<std::int64_t>(&value)) {
        statement.setInt64(i + 1, *n);
      } else {
        statement.setNull(i + 1, sql::DataType::VARCHAR);
      }
    }
    return statement;
  }

  // Classifies the exception being handled and drops the prepared statement for `text`,
  // whose state is unknown now; call only inside a catch block.
  core::Error failed(Session& session, std::string_view text) const {
    core::Error error = current_error(session);
    try {
      if (auto it = session.prepared.find(text); it != session.prepared.end()) {
        session.prepared.erase(it);
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): closing it failed; it is gone anyway
    }
    return error;
  }

  // Runs one statement: text protocol without params, a prepared statement with them.
  core::Result<Rows> run(Session& session, std::string_view text,
                         const std::vector<Value>& params) const {
    if (session.lost()) return lost_error(session);
    try {
      if (params.empty()) {
        std::unique_ptr<sql::Statement> statement(session.connection->createStatement());
        const bool has_result = statement->execute(sql::SQLString(std::string(text)));
        return drain(*statement, has_result);
      }
      sql::PreparedStatement& statement = bound(session, text, params);
      const bool has_result = statement.execute();
      return drain(statement, has_result);
    } catch (...) {
      return failed(session, text);
    }
  }

  // Runs one INSERT/UPDATE/DELETE and returns the rows it matched (CLIENT_FOUND_ROWS).
  core::Result<std::int64_t> update(Session& session, std::string_view text,
                                    const std::vector<Value>& params) const {
    if (session.lost()) return lost_error(session);
    try {
      if (params.empty()) {
        std::unique_ptr<sql::Statement> statement(session.connection->createStatement());
        return static_cast<std::int64_t>(
            statement->executeUpdate(sql::SQLString(std::string(text))));
      }
      return static_cast<std::int64_t>(bound(session, text, params).executeUpdate());
    } catch (...) {
      return failed(session, text);
    }
  }

  core::Result<void> statement(std::string_view text) const {
    auto rows = run(*main, text, {});
    if (!rows) return rows.error();
    return {};
  }
};

MysqlDatabase::MysqlDatabase(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
MysqlDatabase::~MysqlDatabase() = default;

core::Result<std::unique_ptr<MysqlDatabase>> MysqlDatabase::open(const ConnectOptions& options) {
  auto session = connect_session(options.url, options);
  if (!session) return session.error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->main = std::move(session).value();
  impl->description = "MySQL at " + address(options.url);
  auto version = impl->run(*impl->main, "SELECT VERSION()", {});
  if (!version) {
    return core::make_error(core::ErrorKind::unreachable, "cannot use " +
                                                              options.url.redacted() + ": " +
                                                              version.error().message);
  }
  const std::string text = first_cell(*version);  // "10.11.6-MariaDB-0+deb12u1", "8.0.36"
  impl->mariadb = text.find("MariaDB") != std::string::npos;
  impl->description = std::string(impl->mariadb ? "MariaDB " : "MySQL ") +
                      text.substr(0, text.find('-')) + " at " + address(options.url);
  auto id = impl->run(*impl->main, "SELECT CONNECTION_ID()", {});
  if (!id) {
    return core::make_error(core::ErrorKind::unreachable,
                            "cannot use " + options.url.redacted() + ": " + id.error().message);
  }
  impl->connection_id = first_cell(*id);
  return std::unique_ptr<MysqlDatabase>(new MysqlDatabase(std::move(impl)));
}

core::Dialect MysqlDatabase::dialect() const { return core::Dialect::mysql; }
bool MysqlDatabase::transactional_ddl() const { return false; }

core::Result<void> MysqlDatabase::execute(std::string_view sql) {
  return m_impl->statement(sql);
}

core::Result<Rows> MysqlDatabase::query(std::string_view sql, const std::vector<Value>& params) {
  return m_impl->run(*m_impl->main, sql, params);
}

core::Result<std::int64_t> MysqlDatabase::modify(std::string_view sql,
                                                 const std::vector<Value>& params) {
  return m_impl->update(*m_impl->main, sql, params);
}

core::Result<void> MysqlDatabase::begin() { return m_impl->statement("START TRANSACTION"); }
core::Result<void> MysqlDatabase::commit() { return m_impl->statement("COMMIT"); }
core::Result<void> MysqlDatabase::rollback() { return m_impl->statement("ROLLBACK"); }

core::Result<bool> MysqlDatabase::table_exists(std::string_view schema, std::string_view table) {
  auto rows = query(
      "SELECT COUNT(*) FROM information_schema.TABLES"
      " WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?"
      " AND TABLE_TYPE = 'BASE TABLE'",
      {std::string(schema), std::string(table)});
  if (!rows) return rows.error();
  return first_cell(*rows) != "0" && !first_cell(*rows).empty();
}

core::Result<std::vector<std::string>> MysqlDatabase::list_tables() {
  auto rows = query(
      "SELECT TABLE_NAME FROM information_schema.TABLES"
      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME");
  if (!rows) return rows.error();
  std::vector<std::string> names;
  for (const Row& row : *rows) names.push_back(row.at(0).value_or(""));
  return names;
}

core::Result<void> MysqlDatabase::set_step_timeouts(const StepTimeouts& timeouts) {
  std::string lock = "DEFAULT";
  if (timeouts.lock.count() > 0) {
    const auto seconds = (timeouts.lock.count() + 999) / 1000;
    lock = std::to_string(seconds < 1 ? 1 : seconds);
  }
  std::string statement = "DEFAULT";
  const auto ms = timeouts.statement.count();
  if (ms > 0 && m_impl->mariadb) {
    // max_statement_time is in seconds with microsecond precision.
    statement = std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1);
  } else if (ms > 0) {
    statement = std::to_string(ms);
  }
  const char* statement_variable = m_impl->mariadb ? "max_statement_time" : "max_execution_time";
  return m_impl->statement("SET SESSION lock_wait_timeout = " + lock +
                           ", SESSION innodb_lock_wait_timeout = " + lock + ", SESSION " +
                           statement_variable + " = " + statement);
}

std::string MysqlDatabase::quote_identifier(std::string_view name) const {
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return quote_one(name);
  return quote_one(name.substr(0, dot)) + "." + quote_one(name.substr(dot + 1));
}

core::Result<bool> MysqlDatabase::try_lock(std::string_view key) {
  Impl& impl = *m_impl;
  if (impl.held_key) {
    if (*impl.held_key == key) {
      // Still ours only while the lock session lives; check before saying so.
      auto alive = impl.run(*impl.lock, "SELECT 1", {});
      if (alive) return true;
      impl.held_key.reset();
      return alive.error();
    }
    return core::make_error(core::ErrorKind::usage, "already holding the lock '" +
                                                        *impl.held_key + "', not '" +
                                                        std::string(key) + "'");
  }
  if (!impl.lock || impl.lock->lost()) {
    auto session = connect_session(impl.options.lock_url.value_or(impl.options.url), impl.options);
    if (!session) return session.error();
    impl.lock = std::move(session).value();
  }
  // Timeout 0: GET_LOCK answers at once; the caller polls with backoff.
  auto rows = impl.run(*impl.lock, "SELECT GET_LOCK(?, 0)",
                       {mysql_lock_name(impl.options.url.database, key)});
  if (!rows) return rows.error();
  const std::string answer = first_cell(*rows);
  if (answer.empty()) {
    return core::make_error(core::ErrorKind::step_failed, "GET_LOCK returned NULL");
  }
  if (answer != "1") return false;
  impl.held_key = std::string(key);
  return true;
}

core::Result<void> MysqlDatabase::unlock() {
  Impl& impl = *m_impl;
  if (!impl.held_key) return {};
  const std::string name = mysql_lock_name(impl.options.url.database, *impl.held_key);
  impl.held_key.reset();
  auto rows = impl.run(*impl.lock, "SELECT RELEASE_LOCK(?)", {name});
  if (!rows) return rows.error();  // a lost lock connection: the server has released it
  if (first_cell(*rows) != "1") {
    return core::make_error(core::ErrorKind::unreachable,
                            "the lock '" + name + "' was no longer held by this connection");
  }
  return {};
}

core::Result<std::optional<std::string>> MysqlDatabase::lock_holder(std::string_view key) {
  auto used = query("SELECT IS_USED_LOCK(?)", {mysql_lock_name(m_impl->options.url.database, key)});
  if (!used) return used.error();
  const std::string id = first_cell(*used);
  if (id.empty()) return std::optional<std::string>{};
  std::string words = "mysql connection " + id;
  auto process = query("SELECT USER, HOST, DB FROM information_schema.PROCESSLIST WHERE ID = ?",
                       {id});
  if (process && !process->empty()) {
    const Row& row = process->front();
    words += ", user " + row.at(0).value_or("?") + "@" + row.at(1).value_or("?") + ", db " +
             row.at(2).value_or("(none)");
  }
  // Best effort: performance_schema may be off, or hidden from this user.
  auto program = query(
      "SELECT ATTR_VALUE FROM performance_schema.session_connect_attrs"
      " WHERE PROCESSLIST_ID = ? AND ATTR_NAME = 'program_name'",
      {id});
  if (program && !first_cell(*program).empty()) {
    return std::optional<std::string>{first_cell(*program) + " (" + words + ")"};
  }
  return std::optional<std::string>{words};
}

std::string MysqlDatabase::describe() const { return m_impl->description; }

std::function<core::Result<void>()> MysqlDatabase::statement_canceller() const {
  const std::string& id = m_impl->connection_id;
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) return {};
  return [options = m_impl->options, id, description = m_impl->description]() {
    auto session = connect_session(options.url, options);
    if (!session) return core::Result<void>(session.error());
    Impl killer;
    killer.options = options;
    killer.description = description;
    // The statement may have ended meanwhile: KILL QUERY of an idle session does nothing.
    auto killed = killer.run(**session, "KILL QUERY " + id, {});
    if (!killed) return core::Result<void>(killed.error());
    return core::Result<void>();
  };
}

core::Result<std::unique_ptr<Database>> open_mysql(const ConnectOptions& options) {
  auto database = MysqlDatabase::open(options);
  if (!database) return database.error();
  return std::unique_ptr<Database>(std::move(database).value());
}

}  // namespace magent::db
