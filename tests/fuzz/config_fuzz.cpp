// libFuzzer target: the configuration inputs an operator writes. The bytes are read as a
// database URL (core::parse_database_url), as the TOML file (config::load_config with an
// injected FileReader) and as DATABASE_URL. Nothing may crash; every error is one line of
// the kind the caller maps to exit 2; passwords never reach redacted URLs or describe().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/config/describe.hpp"
#include "agent/config/load.hpp"
#include "agent/core/database_url.hpp"
#include "agent/core/result.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using magent::core::DatabaseUrl;
using magent::core::ErrorKind;
using magent::fuzz::has_line_break;
using magent::fuzz::require;

constexpr std::string_view k_config_path = "/fuzz/migration-agent.toml";
constexpr std::string_view k_redaction = "***";

bool is_secret_option(const std::string& name) {
  std::string lower;
  for (const char c : name) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lower.find("password") != std::string::npos || lower.find("passwd") != std::string::npos;
}

// The redacted form of a URL hides its password and secret options, and so does
// redact_secrets() for a driver message quoting the password.
void check_url_redaction(const DatabaseUrl& url) {
  // The redacted form reads back as the same URL, with the secrets masked.
  const std::string redacted = url.redacted();
  const auto again = magent::core::parse_database_url(redacted);
  if (url.dialect != magent::core::Dialect::sqlite) {
    require(again.ok(), "redacted URL does not parse");
    require(again->user == url.user && again->host == url.host && again->port == url.port &&
                again->database == url.database,
            "redacted URL reads back as another URL");
    require(again->query.size() == url.query.size(), "redacted URL has other options");
  }
  if (again) {
    require(again->password.empty() || again->password == k_redaction,
            "redacted URL carries a password");
    for (const auto& [name, value] : again->query) {
      require(!is_secret_option(name) || value == k_redaction, "redacted URL carries a secret");
    }
  }
  if (!url.password.empty()) {
    const std::string framed = "\x01" + url.password + "\x02";
    const std::string out = magent::core::redact_secrets(framed, url);
    const std::string replaced = "\x01" + std::string(k_redaction) + "\x02";
    require(out.find(url.password) == std::string::npos ||
                replaced.find(url.password) != std::string::npos,
            "redact_secrets left the password in");
  }
}

void check_url(std::string_view text) {
  const auto url = magent::core::parse_database_url(text);
  if (!url) {
    require(url.error().kind == ErrorKind::config || url.error().kind == ErrorKind::usage,
            "URL error of an unexpected kind");
    require(!url.error().message.empty(), "empty URL error");
    return;
  }
  check_url_redaction(*url);
}

// A loaded configuration: describe() does not depend on the passwords it holds (two
// configurations that differ only in their passwords are described alike).
magent::config::Config with_passwords(magent::config::Config config, const std::string& password) {
  if (!config.database.url.password.empty()) config.database.url.password = password;
  if (config.database.lock_url && !config.database.lock_url->password.empty()) {
    config.database.lock_url->password = password;
  }
  return config;
}

// A password that occurs nowhere in `input`: describe() may mask every occurrence of the
// real password, so the stand-ins must not collide with other text from the input.
std::string stand_in(std::string_view input, int n) {
  for (int i = 0;; ++i) {
    std::string candidate = "stand-in-" + std::to_string(n) + "-" + std::to_string(i) + "-pw";
    if (input.find(candidate) == std::string_view::npos) return candidate;
  }
}

void check_config(const magent::config::Config& config, std::string_view input) {
  (void)magent::config::describe(config);
  require(magent::config::describe(with_passwords(config, stand_in(input, 1))) ==
              magent::config::describe(with_passwords(config, stand_in(input, 2))),
          "describe() shows a password");
}

void check_load(const magent::config::Overrides& overrides,
                const magent::config::Environment& environment, std::string_view file,
                std::string_view input) {
  const magent::config::FileReader reader =
      [file](const std::string& path) -> magent::core::Result<std::string> {
    if (path == k_config_path) return std::string(file);
    return magent::core::make_error(ErrorKind::io,
                                    "cannot read \"" + path + "\": No such file or directory");
  };
  const auto loaded = magent::config::load_config(overrides, environment, reader);
  if (!loaded) {
    require(loaded.error().kind == ErrorKind::config, "config error of another kind");
    require(!loaded.error().message.empty(), "empty config error");
    require(!has_line_break(loaded.error().message), "config error is not one line");
    return;
  }
  check_config(*loaded, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_url(text);

  magent::config::Overrides from_file;
  from_file.config_file = std::string(k_config_path);
  check_load(from_file, {}, text, text);

  const std::string first_line(text.substr(0, text.find('\n')));
  check_load({}, {{"DATABASE_URL", first_line}}, "", text);
  return 0;
}
