#include "agent/db/postgres/postgres_database.hpp"

#include <pqxx/errorhandler>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/pqxx>

#include <cstdint>
#include <string>
#include <utility>

#include "agent/db/adapter_util.hpp"
#include "agent/db/postgres/postgres_text.hpp"

namespace magent::db {
namespace {

// Swallows server notices ("WARNING: there is no transaction in progress", ...) and
// libpqxx's own warnings, which would otherwise be printed straight to stderr. Keeps the
// last FATAL one: it is the server's reason when it ends the session.
class QuietNotices final : public pqxx::errorhandler {
 public:
  QuietNotices(pqxx::connection_base& connection, std::string& last_fatal)
      : pqxx::errorhandler(connection), m_last_fatal(last_fatal) {}
  bool operator()(const char* message) noexcept override {
    try {
      if (std::string_view(message).rfind("FATAL:", 0) == 0) m_last_fatal = one_line(message);
    } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; the notice is lost
    }
    return false;
  }

 private:
  std::string& m_last_fatal;
};

// One libpqxx connection that never reconnects behind our back (a silent reconnect would
// lose BEGIN, SET and the advisory lock without anyone noticing).
struct Session {
  core::DatabaseUrl url;  // for redacting driver messages
  std::string last_fatal;  // the server's FATAL notice, if it sent one
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<QuietNotices> notices;  // declared last: unregistered first
  std::string lost_reason;                // set once the connection is known to be gone

  bool lost() const { return !lost_reason.empty(); }
};

// libpqxx's message without libpq's statement excerpt ("LINE 1: ..." and its caret line):
// the caller names the failing statement; DETAIL, HINT and CONTEXT lines stay.
std::string without_excerpt(std::string_view message) {
  std::string out;
  std::size_t start = 0;
  bool skip_caret = false;
  while (start < message.size()) {
    std::size_t end = message.find('\n', start);
    end = end == std::string_view::npos ? message.size() : end + 1;
    std::string_view line = message.substr(start, end - start);
    if (line.rfind("LINE ", 0) == 0) {
      skip_caret = true;
    } else if (skip_caret && line.find_first_not_of(" ^\r\n") == std::string_view::npos) {
      skip_caret = false;
    } else {
      out.append(line);
    }
    start = end;
  }
  return out;
}

// SQLSTATEs meaning the session is gone: class 08 (connection exception) and the
// 57P0x shutdown / termination family.
bool is_connection_state(const std::string& sqlstate) {
  return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

core::Result<std::unique_ptr<Session>> connect_session(const core::DatabaseUrl& url,
                                                       const ConnectOptions& options) {
  auto session = std::make_unique<Session>();
  session->url = url;
  try {
    session->connection = std::make_unique<pqxx::connection>(
        postgres_conninfo(url, options.connect_timeout, session_identity(options)));
    session->notices =
        std::make_unique<QuietNotices>(*session->connection, session->last_fatal);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // Deprecated in 6.4 but the only way to stop libpqxx from silently reconnecting.
    session->connection->inhibit_reactivation(true);
#pragma GCC diagnostic pop
  } catch (const std::exception& e) {
    return core::make_error(core::ErrorKind::unreachable,
                            "cannot connect to " + url.redacted() + ": " +
                                one_line(core::redact_secrets(e.what(), url)));
  } catch (...) {
    return core::make_error(core::ErrorKind::unreachable,
                            "cannot connect to " + url.redacted() + ": unknown driver error");
  }
  return session;
}

// Holds the text of each parameter for as long as libpq needs the pointers.
struct TextParams {
  std::vector<std::string> storage;
  std::vector<const char*> pointers;  // nullptr = SQL NULL

  explicit TextParams(const std::vector<Value>& params) {
    storage.reserve(params.size());
    for (const Value& value : params) {
      if (const auto* text = std::get_if<std::string>(&value)) {
        storage.push_back(*text);
      } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
        storage.push_back(std::to_string(*number));
      } else {
        storage.emplace_back();
      }
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const bool is_null = std::holds_alternative<std::nullptr_t>(params[i]);
      pointers.push_back(is_null ? nullptr : storage[i].c_str());
    }
  }
};

Rows to_rows(const pqxx::result& result) {
  Rows rows;
  rows.reserve(result.size());
  for (const auto& row : result) {
    Row out;
    out.reserve(row.size());
    for (const auto& field : row) {
      if (field.is_null()) {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(std::string(field.c_str(), field.size()));
      }
    }
    rows.push_back(std::move(out));
  }
  return rows;
}

std::string quote_one(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The first cell of the first row, or "" when there is none (or it is NULL).
std::string first_cell(const Rows& rows) {
  if (rows.empty() || rows.front().empty() || !rows.front().front()) return {};
  return *rows.front().front();
}

}  // namespace

struct PostgresDatabase::Impl {
  ConnectOptions options;
  std::unique_ptr<Session> main;
  std::unique_ptr<Session> lock;  // opened by the first try_lock
  std::optional<std::string> held_key;
  std::string description;
  // Where begin() left the main session; a failed statement poisons an open transaction.
  enum class Transaction { none, open, failed } transaction = Transaction::none;

  // Classifies the exception being handled; call only inside a catch block.
  core::Error current_error(Session& session) const {
    std::string message;
    bool connection_gone = false;
    try {
      throw;
    } catch (const pqxx::broken_connection& e) {
      message = e.what();
      connection_gone = true;
    } catch (const pqxx::sql_error& e) {
      message = without_excerpt(e.what());
      if (!e.sqlstate().empty()) message += " (SQLSTATE " + e.sqlstate() + ")";
      connection_gone = is_connection_state(e.sqlstate());
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
      message = "unknown driver error";
    }
    message = one_line(core::redact_secrets(message, session.url));
    if (connection_gone || !session.connection->is_open()) {
      // libpq may have consumed the server's goodbye without passing it on; then all
      // libpqxx can say is that it is "not connected".
      message = (session.last_fatal.empty()
                     ? std::string("the server closed the connection")
                     : core::redact_secrets(session.last_fatal, session.url)) +
                " (" + message + ")";
      session.lost_reason = message;
      return core::make_error(core::ErrorKind::unreachable,
                              "lost the connection to " + description + ": " + message);
    }
    return core::make_error(core::ErrorKind::step_failed, message);
  }

  core::Error lost_error(const Session& session) const {
    return core::make_error(core::ErrorKind::unreachable, "the connection to " + description +
                                                              " was lost earlier (" +
                                                              session.lost_reason + ")");
  }

  // Runs `sql` on `session`: the simple query protocol without params (several
  // statements allowed), else PQexecParams with `?` rewritten to $n.
  core::Result<pqxx::result> run(Session& session, std::string_view sql,
                                 const std::vector<Value>* params) const {
    if (session.lost()) return lost_error(session);
    try {
      pqxx::nontransaction work(*session.connection);
      pqxx::result result;
      if (params == nullptr) {
        result = work.exec(std::string(sql));
      } else {
        TextParams text(*params);
        result = work.exec_params(to_postgres_placeholders(sql),
                                  pqxx::prepare::make_dynamic_params(text.pointers));
      }
      work.commit();
      return result;
    } catch (...) {
      return current_error(session);
    }
  }

  core::Result<Rows> rows(Session& session, std::string_view sql,
                          const std::vector<Value>& params) const {
    auto result = run(session, sql, &params);
    if (!result) return result.error();
    try {
      return to_rows(*result);
    } catch (...) {
      return current_error(session);
    }
  }

  core::Result<void> statement(std::string_view sql) {
    auto result = run(*main, sql, nullptr);
    if (!result) {
      if (transaction == Transaction::open) transaction = Transaction::failed;
      return result.error();
    }
    return {};
  }
};

PostgresDatabase::PostgresDatabase(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
PostgresDatabase::~PostgresDatabase() = default;

core::Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::open(
    const ConnectOptions& options) {
  auto session = connect_session(options.url, options);
  if (!session) return session.error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->main = std::move(session).value();
  impl->description = "PostgreSQL at " + postgres_address(options.url);
  auto version = impl->rows(*impl->main, "SHOW server_version", {});
  if (!version) {
    return core::make_error(core::ErrorKind::unreachable,
                            "cannot use " + options.url.redacted() + ": " +
                                version.error().message);
  }
  std::string number = first_cell(*version);
  number = number.substr(0, number.find(' '));  // "15.8 (Debian 15.8-1)" -> "15.8"
  impl->description = "PostgreSQL " + number + " at " + postgres_address(options.url);
  // A statement whose client has gone away (the agent killed, or exiting at the end of its
  // shutdown grace) would otherwise run to its end, holding the step's table locks in an
  // open transaction: have the server look for the client every second and roll back
  // (PostgreSQL 14+; older servers lack the setting, and the error is harmless here).
  (void)impl->run(*impl->main, "SET client_connection_check_interval = 1000", nullptr);
  return std::unique_ptr<PostgresDatabase>(new PostgresDatabase(std::move(impl)));
}

core::Dialect PostgresDatabase::dialect() const { return core::Dialect::postgresql; }
bool PostgresDatabase::transactional_ddl() const { return true; }

core::Result<void> PostgresDatabase::execute(std::string_view sql) {
  return m_impl->statement(sql);
}

core::Result<Rows> PostgresDatabase::query(std::string_view sql,
                                           const std::vector<Value>& params) {
  auto rows = m_impl->rows(*m_impl->main, sql, params);
  if (!rows && m_impl->transaction == Impl::Transaction::open) {
    m_impl->transaction = Impl::Transaction::failed;
  }
  return rows;
}

core::Result<void> PostgresDatabase::begin() {
  auto result = m_impl->statement("BEGIN");
  if (result) m_impl->transaction = Impl::Transaction::open;
  return result;
}

core::Result<void> PostgresDatabase::commit() {
  // The server would answer COMMIT of an aborted transaction by rolling back, silently.
  const bool failed = m_impl->transaction == Impl::Transaction::failed;
  m_impl->transaction = Impl::Transaction::none;
  if (failed) {
    auto rolled_back = m_impl->statement("ROLLBACK");
    if (!rolled_back) return rolled_back;
    return core::make_error(core::ErrorKind::step_failed,
                            "COMMIT refused: a statement in the transaction had failed; "
                            "the transaction was rolled back");
  }
  return m_impl->statement("COMMIT");
}

core::Result<void> PostgresDatabase::rollback() {
  m_impl->transaction = Impl::Transaction::none;
  return m_impl->statement("ROLLBACK");
}

core::Result<bool> PostgresDatabase::table_exists(std::string_view schema,
                                                  std::string_view table) {
  auto rows = query(
      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " WHERE c.relname = ?::text AND c.relkind IN ('r', 'p')"
      " AND CASE WHEN ?::text = '' THEN n.nspname = ANY (pg_catalog.current_schemas(false))"
      " ELSE n.nspname = ?::text END)",
      {std::string(table), std::string(schema), std::string(schema)});
  if (!rows) return rows.error();
  return first_cell(*rows) == "t";
}

core::Result<std::vector<std::string>> PostgresDatabase::list_tables() {
  auto rows = query(
      "SELECT c.relname FROM pg_catalog.pg_class c"
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p')"
      " ORDER BY c.relname");
  if (!rows) return rows.error();
  std::vector<std::string> names;
  for (const Row& row : *rows) names.push_back(row.at(0).value_or(""));
  return names;
}

core::Result<void> PostgresDatabase::set_step_timeouts(const StepTimeouts& timeouts) {
  auto setting = [](std::string_view name, std::chrono::milliseconds value) {
    std::string sql = "SET " + std::string(name);
    if (value.count() <= 0) return sql + " TO DEFAULT";
    return sql + " = " + std::to_string(value.count());
  };
  if (auto r = m_impl->statement(setting("statement_timeout", timeouts.statement)); !r) return r;
  return m_impl->statement(setting("lock_timeout", timeouts.lock));
}

std::string PostgresDatabase::quote_identifier(std::string_view name) const {
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return quote_one(name);
  return quote_one(name.substr(0, dot)) + "." + quote_one(name.substr(dot + 1));
}

core::Result<bool> PostgresDatabase::try_lock(std::string_view key) {
  Impl& impl = *m_impl;
  if (impl.held_key) {
    if (*impl.held_key == key) {
      // Still ours only while the lock session lives; check before saying so.
      auto alive = impl.run(*impl.lock, "SELECT 1", nullptr);
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
  const auto id = static_cast<std::int64_t>(fnv1a64(key));
  auto rows = impl.rows(*impl.lock, "SELECT pg_try_advisory_lock(?::bigint)", {id});
  if (!rows) return rows.error();
  if (first_cell(*rows) != "t") return false;
  impl.held_key = std::string(key);
  return true;
}

core::Result<void> PostgresDatabase::unlock() {
  Impl& impl = *m_impl;
  if (!impl.held_key) return {};
  const auto id = static_cast<std::int64_t>(fnv1a64(*impl.held_key));
  impl.held_key.reset();
  auto rows = impl.rows(*impl.lock, "SELECT pg_advisory_unlock(?::bigint)", {id});
  if (!rows) return rows.error();  // a lost lock session: the server has released it
  if (first_cell(*rows) != "t") {
    return core::make_error(core::ErrorKind::unreachable,
                            "the advisory lock was no longer held by this session");
  }
  return {};
}

core::Result<std::optional<std::string>> PostgresDatabase::lock_holder(std::string_view key) {
  const std::uint64_t id = fnv1a64(key);
  // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits.
  auto rows = query(
      "SELECT a.pid, a.application_name, a.usename, host(a.client_addr),"
      " to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
      " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
      " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
      " AND l.classid = ?::oid AND l.objid = ?::oid"
      " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
      "                   WHERE datname = pg_catalog.current_database())"
      " LIMIT 1",
      {static_cast<std::int64_t>(id >> 32), static_cast<std::int64_t>(id & 0xffffffffU)});
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<std::string>{};
  const Row& row = rows->front();
  auto cell = [&row](std::size_t i, std::string_view fallback) {
    return row.at(i) && !row.at(i)->empty() ? *row.at(i) : std::string(fallback);
  };
  return std::optional<std::string>{cell(1, "(no application_name)") + " (pg backend " +
                                    cell(0, "?") + ", user " + cell(2, "?") + ", client " +
                                    cell(3, "local socket") + ", connected " + cell(4, "?") +
                                    ")"};
}

std::string PostgresDatabase::describe() const { return m_impl->description; }

core::Result<std::unique_ptr<Database>> open_postgres(const ConnectOptions& options) {
  auto database = PostgresDatabase::open(options);
  if (!database) return database.error();
  return std::unique_ptr<Database>(std::move(database).value());
}

}  // namespace magent::db
