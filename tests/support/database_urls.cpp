#include "tests/support/database_urls.hpp"

#include <charconv>

namespace magent::test {

db::ConnectOptions sqlite_options(const std::string& path) {
  return {.url = {.dialect = core::Dialect::sqlite, .scheme = "sqlite", .database = path}};
}

std::optional<core::DatabaseUrl> test_url(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  core::DatabaseUrl out;
  out.scheme = std::string(url.substr(0, sep));
  const auto dialect = core::dialect_from_string(out.scheme);
  if (!dialect) return std::nullopt;
  out.dialect = *dialect;
  std::string_view rest = url.substr(sep + 3);
  if (out.dialect == core::Dialect::sqlite) {
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    out.database = std::string(rest);
    return out;
  }
  const std::size_t at = rest.find('@');
  const std::size_t slash = rest.find('/');
  if (at == std::string_view::npos || slash == std::string_view::npos || slash < at) {
    return std::nullopt;
  }
  out.user = std::string(rest.substr(0, at));
  const std::string_view host_port = rest.substr(at + 1, slash - at - 1);
  const std::size_t colon = host_port.rfind(':');
  out.host = std::string(host_port.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view port = host_port.substr(colon + 1);
    std::from_chars(port.data(), port.data() + port.size(), out.port);
  }
  out.database = std::string(rest.substr(slash + 1));
  return out;
}

}  // namespace magent::test
