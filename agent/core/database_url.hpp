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
  std::string host;
  int port = 0;          // 0 = engine default
  std::string database;  // PostgreSQL/MySQL database name; SQLite file path ("" = memory)
  std::map<std::string, std::string> query;  // ?key=value options, percent-decoded

  // The URL with the password replaced by "***"; safe for logs, status and metrics.
  std::string redacted() const;
};

// Parses a URL; errors name what is wrong without echoing the password.
Result<DatabaseUrl> parse_database_url(std::string_view text);

// Replaces any password inside free text that contains `url` (e.g. a driver's error
// message) with "***". Used at adapter edges before an error leaves the process.
std::string redact_secrets(std::string_view text, const DatabaseUrl& url);

}  // namespace magent::core
