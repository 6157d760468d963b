// Placeholder until the MySQL adapter lands.
#include "agent/db/connect.hpp"

namespace magent::db {

core::Result<std::unique_ptr<Database>> open_mysql(const ConnectOptions& options) {
  return core::make_error(core::ErrorKind::config,
                          "MySQL support is not built yet: " + options.url.redacted());
}

}  // namespace magent::db
