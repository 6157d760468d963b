#pragma once

// The connector layer of the MySQL/MariaDB adapter: connecting a session, its prepared
// statements, reading results and classifying errors. Only agent/db/mysql includes it.
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "agent/core/database_url.hpp"
#include "agent/core/result.hpp"
#include "agent/db/connect.hpp"
#include "agent/db/database.hpp"

namespace magent::db::mysql_detail {

// Prepared statements a session keeps for reuse; the cache starts over when it is full.
constexpr std::size_t k_max_prepared_statements = 64;

// Client-side error numbers (and MariaDB's ER_CONNECTION_KILLED, server shutdown) that
// mean the connection is gone rather than the statement wrong.
bool is_connection_error(int code);

// "host:port/database" or "unix:/path/database", for descriptions.
std::string address(const core::DatabaseUrl& url);

// One connector connection; closed (errors swallowed) on destruction. Statements with
// parameters are prepared once per session and kept: preparing costs a round trip of its own.
struct Session {
  core::DatabaseUrl url;  // for redacting driver messages
  std::unique_ptr<sql::Connection> connection;
  std::map<std::string, std::unique_ptr<sql::PreparedStatement>, std::less<>> prepared;
  std::string lost_reason;  // set once the connection is known to be gone

  bool lost() const { return !lost_reason.empty(); }
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    try {
      prepared.clear();
      if (connection) connection->close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): closing a dead connection may throw
    }
  }

  // The prepared statement for `text`, prepared now unless it was before. Throws what the
  // connector throws.
  sql::PreparedStatement& prepare(std::string_view text) {
    if (auto it = prepared.find(text); it != prepared.end()) return *it->second;
    if (prepared.size() >= k_max_prepared_statements) prepared.clear();
    std::unique_ptr<sql::PreparedStatement> statement(
        connection->prepareStatement(sql::SQLString(std::string(text))));
    return *prepared.emplace(std::string(text), std::move(statement)).first->second;
  }
};

// The connector's message with its error number and SQLSTATE.
std::string driver_message(const sql::SQLException& e);

// Opens one session to `url` with `options`' timeout, charset, TLS files and program name;
// ErrorKind::unreachable (redacted) when it cannot.
core::Result<std::unique_ptr<Session>> connect_session(const core::DatabaseUrl& url,
                                                       const ConnectOptions& options);

// Reads (or discards) the statement's first result set and skips any further results,
// so the connection is ready for the next command.
Rows drain(sql::Statement& statement, bool has_result);

}  // namespace magent::db::mysql_detail
