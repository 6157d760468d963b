#pragma once

// Pure text helpers of the PostgreSQL adapter (no libpq): placeholders and conninfo.

#include <chrono>
#include <string>
#include <string_view>

#include "agent/core/database_url.hpp"

namespace magent::db {

// Rewrites each `?` placeholder as $1, $2, ... in order. A `?` inside a '...' / E'...'
// string, a "quoted identifier", a $tag$ dollar-quoted body or a comment is left alone.
// (PostgreSQL's jsonb `?` operators therefore cannot be used in our own queries.)
std::string to_postgres_placeholders(std::string_view sql);

// The libpq connection string (key='value' pairs) for `url`: host, port, user, password,
// dbname, then every ?query option as given (`?host=/socket/dir` replaces the URL's host;
// `sslmode`, `options`, ... pass through), TCP keepalives of 30 s idle / 10 s x 3 unless the
// URL sets them. connect_timeout (whole seconds, at least 1) and
// application_name come from the arguments and win over the same keys in the URL.
std::string postgres_conninfo(const core::DatabaseUrl& url,
                              std::chrono::milliseconds connect_timeout,
                              std::string_view application_name);

// "host:port/db" for describe(): the socket directory when connecting by socket, the
// default port 5432 when none is given.
std::string postgres_address(const core::DatabaseUrl& url);

}  // namespace magent::db
