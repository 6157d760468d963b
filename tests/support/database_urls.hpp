#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/core/database_url.hpp"
#include "agent/db/connect.hpp"

namespace magent::test {

// ConnectOptions for the SQLite file `path` ("" = in memory), built by hand.
db::ConnectOptions sqlite_options(const std::string& path);

// A tiny parser for the URLs tests/support/engines.hpp hands out (sqlite:///PATH,
// postgresql://USER@HOST:PORT/DB, mysql://USER@HOST:PORT/DB), so db tests do not depend on
// core::parse_database_url. nullopt for anything else.
std::optional<core::DatabaseUrl> test_url(std::string_view url);

}  // namespace magent::test
