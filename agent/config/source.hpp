#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.hpp"

namespace magent::config {

// The environment variables the agent reads (DESIGN.md section 10).
namespace env {
inline constexpr std::string_view k_config = "MIGRATION_AGENT_CONFIG";
inline constexpr std::string_view k_database_url = "DATABASE_URL";
inline constexpr std::string_view k_database_url_file = "DATABASE_URL_FILE";
inline constexpr std::string_view k_migrations_dir = "MIGRATIONS_DIR";
inline constexpr std::string_view k_auto_migrate = "AUTO_MIGRATE";
inline constexpr std::string_view k_now_lms_auto_migrate = "NOW_LMS_AUTO_MIGRATE";
inline constexpr std::string_view k_socket = "MIGRATION_AGENT_SOCKET";
inline constexpr std::string_view k_metrics_listen = "MIGRATION_AGENT_METRICS_LISTEN";
inline constexpr std::string_view k_log_format = "MIGRATION_AGENT_LOG_FORMAT";
}  // namespace env

// Which layer a setting came from; later layers override earlier ones.
enum class SourceKind { file, environment, flag };

// Where a setting was written, so that an error can point at it.
struct Origin {
  SourceKind kind = SourceKind::file;
  std::string name;  // file path, variable name ("DATABASE_URL") or flag ("--socket")
  int line = 0;      // 1-based line in the file; 0 for environment variables and flags
};

// A value as written: a TOML value, or the text of an environment variable or a flag.
struct Value {
  enum class Type { string, integer, floating, boolean, array, table, date_time };
  Type type = Type::string;
  std::string text;             // a string's contents; for other scalars their TOML spelling
  std::int64_t integer = 0;     // Type::integer
  bool boolean = false;         // Type::boolean
  std::vector<Value> children;  // array elements, or table entries (each with `key` set)
  std::string key;              // this value's key when it is a table entry
  int line = 0;                 // 1-based line where the value starts (0 = not from a file)
};

// One `key = value` from any layer. An empty key marks a section header itself, so an
// unknown section is reported once, at its header line.
struct Setting {
  std::string section;  // "daemon"; "" for a key outside any section
  std::string key;
  Value value;
  Origin origin;
};

// Reads a whole (small) text file; injected so tests need no files. Errors are io.
using FileReader = std::function<core::Result<std::string>(const std::string& path)>;

// Environment variables by name; injected so tests need not touch the real environment.
using Environment = std::map<std::string, std::string>;

// A string Value, as the environment and flag layers produce.
inline Value string_value(std::string text) {
  Value value;
  value.text = std::move(text);
  return value;
}

}  // namespace magent::config
