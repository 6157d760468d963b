#pragma once

// Shared pieces of the PostgreSQL / MySQL adapter tests: URLs built by hand (URL parsing
// is another component), connections, throwaway server users and a closed port.

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include "agent/core/database_url.hpp"
#include "agent/db/connect.hpp"
#include "tests/support/engines.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::test {

// scheme://user[:password]@host:port/database as a DatabaseUrl, without the URL parser.
inline core::DatabaseUrl url_from(const std::string& text) {
  static const std::regex pattern(R"(^([a-z+]+)://([^:@/]*)(?::([^@/]*))?@([^:/]+):(\d+)/([^?]*)$)");
  std::smatch m;
  core::DatabaseUrl url;
  if (!std::regex_match(text, m, pattern)) {
    ADD_FAILURE() << "test URL not understood: " << text;
    return url;
  }
  url.scheme = m[1];
  url.dialect = url.scheme.rfind("postgres", 0) == 0 ? core::Dialect::postgresql
                                                     : core::Dialect::mysql;
  url.user = m[2];
  url.password = m[3];
  url.host = m[4];
  url.port = std::stoi(m[5]);
  url.database = m[6];
  return url;
}

// The database name of a TestDatabase (the last URL segment).
inline std::string database_name(const TestDatabase& db) {
  return db.url().substr(db.url().rfind('/') + 1);
}

inline db::ConnectOptions options_for(const core::DatabaseUrl& url,
                                      std::string application_name = "magent-test") {
  db::ConnectOptions options;
  options.url = url;
  options.connect_timeout = std::chrono::milliseconds(5'000);
  options.application_name = std::move(application_name);
  return options;
}

// Opens `url`; on failure records it and returns nullptr.
inline std::unique_ptr<db::Database> open_or_fail(const core::DatabaseUrl& url,
                                                  std::string application_name = "magent-test") {
  auto opened = db::open_database(options_for(url, std::move(application_name)));
  if (!opened) {
    ADD_FAILURE() << "open failed: " << opened.error().message;
    return nullptr;
  }
  return std::move(opened).value();
}

// A login created for one test and dropped (with the engine's client) at scope exit.
// `secret` empty = no password. PostgreSQL logins with a password join the role
// magent_password_auth, for which scripts/test-servers requires the password.
class ServerUser {
 public:
  ServerUser(const TestDatabase& db, std::string name, std::string secret)
      : m_db(db), m_name(std::move(name)) {
    if (db.engine() == Engine::postgresql) {
      std::string sql = "CREATE ROLE " + m_name + " LOGIN";
      if (!secret.empty()) sql += " PASSWORD '" + secret + "' IN ROLE magent_password_auth";
      db.sql(sql);
    } else {
      std::string sql = "CREATE USER '" + m_name + "'@'%'";
      if (!secret.empty()) sql += " IDENTIFIED BY '" + secret + "'";
      db.sql(sql);
    }
  }
  ~ServerUser() {
    if (m_db.engine() == Engine::postgresql) {
      m_db.try_sql("DROP OWNED BY " + m_name + "; DROP ROLE IF EXISTS " + m_name);
    } else {
      m_db.try_sql("DROP USER IF EXISTS '" + m_name + "'@'%'");
    }
  }
  ServerUser(const ServerUser&) = delete;
  ServerUser& operator=(const ServerUser&) = delete;
  const std::string& name() const { return m_name; }

 private:
  const TestDatabase& m_db;
  std::string m_name;
};

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Expects a connect failure that an operator can read and that leaks no secret.
inline void expect_unreachable(const core::Result<std::unique_ptr<db::Database>>& opened,
                               const core::DatabaseUrl& url, std::string_view secret) {
  ASSERT_FALSE(opened.ok()) << "connected to " << url.redacted() << " unexpectedly";
  const core::Error& error = opened.error();
  EXPECT_EQ(error.kind, core::ErrorKind::unreachable) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
  EXPECT_NE(error.message.find(url.redacted()), std::string::npos) << error.message;
  if (!secret.empty()) {
    EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
  }
}

}  // namespace magent::test
