#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/config/source.hpp"
#include "agent/core/result.hpp"

namespace magent::config {

// Command-line flags that override the file and the environment; unset = not given.
// Values are kept as typed so that an error can name the flag.
struct Overrides {
  std::optional<std::string> config_file;     // --config FILE
  std::optional<std::string> database_url;    // --database-url URL
  std::optional<std::string> migrations_dir;  // --migrations-dir DIR
  std::optional<std::string> socket;          // --socket PATH ("" disables)
  std::optional<std::string> metrics_listen;  // --metrics-listen HOST:PORT ("" disables)
  std::optional<std::string> log_format;      // --log-format text|json
  std::optional<std::string> auto_migrate;    // --auto-migrate 1|0|true|false|yes|no|on|off
};

// The process environment, limited to the variables the agent reads (source.hpp, env::).
Environment current_environment();

// Reads a regular file of at most 1 MiB; errors are io: `cannot read "PATH": REASON`.
core::Result<std::string> read_text_file(const std::string& path);

// The environment layer as settings. Empty DATABASE_URL, DATABASE_URL_FILE, MIGRATIONS_DIR
// and MIGRATION_AGENT_LOG_FORMAT count as unset; an empty socket or listen address
// disables that endpoint; NOW_LMS_AUTO_MIGRATE is read only when AUTO_MIGRATE is unset.
std::vector<Setting> environment_settings(const Environment& environment);

// The flag layer as settings, in the order of Overrides' fields.
std::vector<Setting> flag_settings(const Overrides& overrides);

// The effective configuration: built-in defaults < TOML file (--config, else
// MIGRATION_AGENT_CONFIG; never an implicit path) < environment < flags. Every error is
// ErrorKind::config with one line naming the file:line and key, variable or flag.
core::Result<Config> load_config(const Overrides& overrides, const Environment& environment,
                                 const FileReader& read_file);

}  // namespace magent::config
