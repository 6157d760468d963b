// Placeholder until the PostgreSQL adapter lands.
#include "agent/db/connect.hpp"

namespace magent::db {

core::Result<std::unique_ptr<Database>> open_postgres(const ConnectOptions& options) {
  return core::make_error(core::ErrorKind::config,
                          "PostgreSQL support is not built yet: " + options.url.redacted());
}

}  // namespace magent::db
