#pragma once

#include <map>
#include <string>
#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// A parsed SQLAlchemy-style database URL (DESIGN.md section 7).
//   postgresql[+driver]://user:pass@host:port/db?opt=v   (also postgres://)
//   mysql[+driver]://... , mariadb[+driver]://...
//   sqlite:///relative/path.db , sqlite:////absolute/path.db , sqlite:// (in memory)
// User and password are percent-decoded; the driver suffix is kept only for display.
struct DatabaseUrl {
  Dialect dialect = Dialect::sqlite;
  std::string scheme;  // as written, e.g. "postgresql+psycopg2"
  std::string user;
  std::string password;
  std::string host;      // without IPv6 brackets; "" = engine default (local socket)
  int port = 0;          // 0 = engine default
  std::string database;  // PostgreSQL/MySQL database name; SQLite file path ("" = memory)
  std::map<std::string, std::string> query;  // ?key=value options, percent-decoded

  // The URL with the password replaced by "***"; safe for logs, status and metrics.
  // Query options whose name contains "password" or "passwd" are masked the same way.
  std::string redacted() const;

  // True for an SQLite URL that names no file (sqlite://, sqlite:///:memory:).
  bool is_in_memory() const { return dialect == Dialect::sqlite && database.empty(); }

  friend bool operator==(const DatabaseUrl&, const DatabaseUrl&) = default;
};

// The scheme names parse_database_url accepts, each optionally followed by "+driver".
inline constexpr std::string_view k_supported_url_schemes =
    "postgresql, postgres, mysql, mariadb, sqlite";

// Parses a URL; errors name what is wrong without echoing the password.
// SQLite paths are kept as written: a relative path is relative to the working directory.
Result<DatabaseUrl> parse_database_url(std::string_view text);

// Replaces any password inside free text that contains `url` (e.g. a driver's error
// message) with "***": the raw and the percent-encoded forms. Used at adapter edges.
std::string redact_secrets(std::string_view text, const DatabaseUrl& url);

// Decodes %XX escapes (and '+' as a space when `plus` is plus_is_space). Malformed
// escapes are kept literally, as SQLAlchemy does.
enum class PlusSign { literal, plus_is_space };
std::string percent_decode(std::string_view text, PlusSign plus = PlusSign::literal);

// Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ and the bytes in `keep`.
std::string percent_encode(std::string_view text, std::string_view keep = {});

}  // namespace magent::core
