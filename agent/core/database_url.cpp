// Placeholder until URL parsing lands.
#include "agent/core/database_url.hpp"

namespace magent::core {

std::string DatabaseUrl::redacted() const { return scheme + "://***"; }

Result<DatabaseUrl> parse_database_url(std::string_view text) {
  return make_error(ErrorKind::config, "URL parsing is not built yet: " + std::string(text.substr(0, 10)));
}

std::string redact_secrets(std::string_view text, const DatabaseUrl&) { return std::string(text); }

}  // namespace magent::core
