#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/database_url.hpp"
#include "agent/core/result.hpp"

namespace magent::config {

using std::chrono::milliseconds;

// The embedded default database: the file ./var/migration-agent.db under the working directory.
inline constexpr std::string_view k_default_database_url = "sqlite:///var/migration-agent.db";

// k_default_database_url, already parsed (a test checks it equals the parser's result).
inline core::DatabaseUrl default_database_url() {
  core::DatabaseUrl url;
  url.dialect = core::Dialect::sqlite;
  url.scheme = "sqlite";
  url.database = "var/migration-agent.db";
  return url;
}

// What the daemon does when the files have several heads.
enum class MultipleHeadsPolicy { upgrade_all, hold };
// Log line format on stderr.
enum class LogFormat { text, json };

// [database]
struct DatabaseConfig {
  core::DatabaseUrl url = default_database_url();  // url, url_file, DATABASE_URL(_FILE), --database-url
  std::string url_file;                  // the secret file the URL was read from ("" = none)
  std::optional<core::DatabaseUrl> lock_url;  // direct connection for the lock (bypasses PgBouncer)
  milliseconds connect_timeout{10'000};
  milliseconds wait_timeout{0};          // start-up wait for the database to come up; 0 = no wait
  std::string version_table = "alembic_version";
  std::string version_table_schema;      // empty = connection default
  int version_table_width = 32;
  std::string ledger_table = "migration_agent_log";

  friend bool operator==(const DatabaseConfig&, const DatabaseConfig&) = default;
};

// [migrations]
struct MigrationsConfig {
  std::string dir = "migrations";        // MIGRATIONS_DIR, --migrations-dir

  friend bool operator==(const MigrationsConfig&, const MigrationsConfig&) = default;
};

// [apply]
struct ApplyConfig {
  bool auto_migrate = false;             // AUTO_MIGRATE / NOW_LMS_AUTO_MIGRATE
  milliseconds lock_timeout{60'000};     // bound on waiting for the migration lock (exit 4)
  milliseconds statement_timeout{0};     // per-step server statement timeout; 0 = none
  milliseconds ddl_lock_timeout{0};      // PostgreSQL lock_timeout / MySQL lock_wait_timeout; 0 = none
  int step_retries = 0;                  // retries of a step that hit ddl_lock_timeout
  MultipleHeadsPolicy multiple_heads = MultipleHeadsPolicy::upgrade_all;

  friend bool operator==(const ApplyConfig&, const ApplyConfig&) = default;
};

// [daemon]
struct DaemonConfig {
  milliseconds poll_interval{10'000};
  milliseconds debounce{300};
  milliseconds rescan_interval{60'000};
  milliseconds shutdown_grace{30'000};
  milliseconds retry_initial{5'000};
  milliseconds retry_max{300'000};

  friend bool operator==(const DaemonConfig&, const DaemonConfig&) = default;
};

// [control]
struct ControlConfig {
  std::string socket = "/run/migration-agent/control.sock";  // "" disables
  std::vector<unsigned> allow_uids;      // may run mutating commands (root always may)
  std::vector<unsigned> allow_gids;
  std::size_t max_request_bytes = 64 * 1024;
  int max_connections = 64;
  milliseconds idle_timeout{30'000};
  milliseconds request_timeout{10'000};

  friend bool operator==(const ControlConfig&, const ControlConfig&) = default;
};

// [metrics]
struct MetricsConfig {
  std::string listen = "127.0.0.1:9464";  // "" disables the HTTP endpoint

  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

// [log]
struct LogConfig {
  LogFormat format = LogFormat::text;
  std::string level = "info";            // trace, debug, info, warn, error

  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

// [runner]: applies .py revisions by running the application's own Alembic.
struct RunnerConfig {
  std::string command;                   // e.g. "flask --app now_lms db upgrade {target}"
  std::string downgrade_command;         // optional; "{target}" substituted likewise
  std::string working_dir;
  std::map<std::string, std::string> env;
  milliseconds timeout{600'000};

  friend bool operator==(const RunnerConfig&, const RunnerConfig&) = default;
};

// [aliases]: renamed revision ids.
struct AliasConfig {
  std::map<std::string, std::string> renamed;  // old id -> new id
  bool auto_stamp = false;

  friend bool operator==(const AliasConfig&, const AliasConfig&) = default;
};

// [baseline]: stamp an unversioned but populated database instead of failing.
struct BaselineConfig {
  std::string when_table_exists;         // e.g. "system_info"; empty = never baseline
  std::string revision = "heads";

  friend bool operator==(const BaselineConfig&, const BaselineConfig&) = default;
};

// The whole validated configuration. Defaults are the embedded default the demo runs on.
struct Config {
  DatabaseConfig database;
  MigrationsConfig migrations;
  ApplyConfig apply;
  DaemonConfig daemon;
  ControlConfig control;
  MetricsConfig metrics;
  LogConfig log;
  RunnerConfig runner;
  AliasConfig aliases;
  BaselineConfig baseline;
  std::string source;  // where the file came from ("" = embedded default), for status

  friend bool operator==(const Config&, const Config&) = default;
};

}  // namespace magent::config
