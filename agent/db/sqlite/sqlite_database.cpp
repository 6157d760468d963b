// Placeholder until the SQLite adapter lands.
#include "agent/db/connect.hpp"

namespace magent::db {

core::Result<std::unique_ptr<Database>> open_sqlite(const ConnectOptions& options) {
  return core::make_error(core::ErrorKind::config,
                          "SQLite support is not built yet: " + options.url.redacted());
}

}  // namespace magent::db
