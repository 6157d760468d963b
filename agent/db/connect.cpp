#include "agent/db/connect.hpp"

#include <algorithm>
#include <array>

#include "agent/platform/host.hpp"

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

std::string session_identity(const ConnectOptions& options) {
  return options.application_name + "@" + platform::host_name() + ":" +
         std::to_string(platform::process_id());
}

core::Result<std::unique_ptr<Database>> open_database_waiting(const ConnectOptions& options,
                                                              std::chrono::milliseconds wait,
                                                              platform::Clock& clock) {
  const auto deadline = clock.now() + wait;
  std::chrono::milliseconds delay{1'000};
  for (;;) {
    auto db = open_database(options);
    if (db || db.error().kind != core::ErrorKind::unreachable) return db;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.now());
    if (left.count() <= 0) return db;
    auto jittered = std::chrono::milliseconds(
        static_cast<long>(static_cast<double>(delay.count()) * (0.75 + 0.5 * clock.random_unit())));
    clock.sleep_for(std::min(jittered, left));
    delay = std::min(delay * 2, std::chrono::milliseconds{15'000});
  }
}

}  // namespace magent::db
