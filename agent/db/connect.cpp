#include "agent/db/connect.hpp"

#include <array>

namespace magent::db {
namespace {

using Factory = core::Result<std::unique_ptr<Database>> (*)(const ConnectOptions&);

struct Backend {
  core::Dialect dialect;
  Factory open;
};

// The URL-scheme backend table: one row per engine.
constexpr std::array<Backend, 3> k_backends{{
    {core::Dialect::sqlite, &open_sqlite},
    {core::Dialect::postgresql, &open_postgres},
    {core::Dialect::mysql, &open_mysql},
}};

}  // namespace

core::Result<std::unique_ptr<Database>> open_database(const ConnectOptions& options) {
  for (const Backend& backend : k_backends) {
    if (backend.dialect == options.url.dialect) return backend.open(options);
  }
  return core::make_error(core::ErrorKind::config,
                          "no adapter for " + options.url.redacted());
}

}  // namespace magent::db
