#include "agent/db/mysql/mysql_session.hpp"

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <mysql_driver.h>

#include <utility>

#include "agent/db/adapter_util.hpp"

namespace magent::db::mysql_detail {
namespace {

std::string option(const core::DatabaseUrl& url, const std::string& key, std::string fallback) {
  auto it = url.query.find(key);
  return it == url.query.end() || it->second.empty() ? fallback : it->second;
}

// "tcp://host:port" or "unix:///path" as connector 1.1 wants it.
std::string host_uri(const core::DatabaseUrl& url) {
  std::string socket = option(url, "unix_socket", "");
  if (!socket.empty()) return "unix://" + socket;
  return "tcp://" + (url.host.empty() ? std::string("127.0.0.1") : url.host) + ":" +
         std::to_string(url.port > 0 ? url.port : 3306);
}

sql::mysql::MySQL_Driver* driver() {
  // get_driver_instance() is not thread-safe on its first call; a static makes it so.
  static sql::mysql::MySQL_Driver* const instance = sql::mysql::get_mysql_driver_instance();
  return instance;
}

Rows to_rows(sql::ResultSet& result) {
  Rows rows;
  const unsigned int columns = result.getMetaData()->getColumnCount();
  while (result.next()) {
    Row row;
    row.reserve(columns);
    for (unsigned int i = 1; i <= columns; ++i) {
      if (result.isNull(i)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(result.getString(i).asStdString());
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

bool is_connection_error(int code) {
  switch (code) {
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
      return true;
    default:
      return false;
  }
}

std::string address(const core::DatabaseUrl& url) {
  std::string socket = option(url, "unix_socket", "");
  if (!socket.empty()) return "unix:" + socket + "/" + url.database;
  return (url.host.empty() ? std::string("127.0.0.1") : url.host) + ":" +
         std::to_string(url.port > 0 ? url.port : 3306) + "/" + url.database;
}

std::string driver_message(const sql::SQLException& e) {
  std::string message = e.what();
  if (e.getErrorCode() != 0) {
    message += " (MySQL error " + std::to_string(e.getErrorCode());
    if (!e.getSQLState().empty()) message += ", SQLSTATE " + e.getSQLState();
    message += ")";
  }
  return message;
}

core::Result<std::unique_ptr<Session>> connect_session(const core::DatabaseUrl& url,
                                                       const ConnectOptions& options) {
  auto session = std::make_unique<Session>();
  session->url = url;
  const auto seconds = (options.connect_timeout.count() + 999) / 1000;
  try {
    sql::ConnectOptionsMap properties;
    properties["hostName"] = sql::SQLString(host_uri(url));
    properties["userName"] = sql::SQLString(url.user);
    properties["password"] = sql::SQLString(url.password);
    if (!url.database.empty()) properties["schema"] = sql::SQLString(url.database);
    properties["OPT_CONNECT_TIMEOUT"] = static_cast<int>(seconds < 1 ? 1 : seconds);
    properties["OPT_CHARSET_NAME"] = sql::SQLString(option(url, "charset", "utf8mb4"));
    properties["OPT_RECONNECT"] = false;
    // Affected-row counts are the rows an UPDATE matched, as Database::modify promises.
    properties["CLIENT_FOUND_ROWS"] = true;
    std::map<sql::SQLString, sql::SQLString> attributes{
        {sql::SQLString("program_name"), sql::SQLString(session_identity(options))}};
    properties["OPT_CONNECT_ATTR_ADD"] = attributes;
    for (const auto& [key, name] : {std::pair<std::string, std::string>{"ssl_ca", "sslCA"},
                                    {"ssl_cert", "sslCert"},
                                    {"ssl_key", "sslKey"}}) {
      std::string value = option(url, key, "");
      if (!value.empty()) properties[sql::SQLString(name)] = sql::SQLString(value);
    }
    session->connection.reset(driver()->connect(properties));
    session->connection->setAutoCommit(true);
  } catch (const sql::SQLException& e) {
    return core::make_error(core::ErrorKind::unreachable,
                            "cannot connect to " + url.redacted() + ": " +
                                one_line(core::redact_secrets(driver_message(e), url)));
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

Rows drain(sql::Statement& statement, bool has_result) {
  Rows rows;
  if (has_result) {
    std::unique_ptr<sql::ResultSet> result(statement.getResultSet());
    if (result) rows = to_rows(*result);
  }
  while (statement.getMoreResults()) {
    std::unique_ptr<sql::ResultSet> extra(statement.getResultSet());
  }
  return rows;
}

}  // namespace magent::db::mysql_detail
