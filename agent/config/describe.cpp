#include "agent/config/describe.hpp"

#include <cstdio>
#include <sstream>

#include "agent/config/values.hpp"
#include "agent/core/database_url.hpp"

namespace magent::config {
namespace {

// A TOML basic string with the escapes TOML requires.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04X",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escape;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string duration(std::chrono::milliseconds value) {
  return toml_string(format_duration(value));
}

std::string id_list(const std::vector<unsigned>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i == 0 ? "" : ", ") + std::to_string(ids[i]);
  return out + "]";
}

}  // namespace

std::string describe(const Config& config) {
  std::ostringstream out;
  const auto& db = config.database;
  out << "# migration-agent effective configuration (file: "
      << (config.source.empty() ? "none" : config.source) << ")\n";
  out << "\n[database]\n";
  out << "url = " << toml_string(db.url.redacted()) << "\n";
  if (!db.url_file.empty())
    out << "# url was read from url_file = " << toml_string(db.url_file) << "\n";
  out << "lock_url = " << toml_string(db.lock_url ? db.lock_url->redacted() : "") << "\n";
  out << "connect_timeout = " << duration(db.connect_timeout) << "\n";
  out << "wait_timeout = " << duration(db.wait_timeout) << "\n";
  out << "version_table = " << toml_string(db.version_table) << "\n";
  out << "version_table_schema = " << toml_string(db.version_table_schema) << "\n";
  out << "version_table_width = " << db.version_table_width << "\n";
  out << "ledger_table = " << toml_string(db.ledger_table) << "\n";

  out << "\n[migrations]\ndir = " << toml_string(config.migrations.dir) << "\n";

  const auto& apply = config.apply;
  out << "\n[apply]\n";
  out << "auto_migrate = " << (apply.auto_migrate ? "true" : "false") << "\n";
  out << "lock_timeout = " << duration(apply.lock_timeout) << "\n";
  out << "statement_timeout = " << duration(apply.statement_timeout) << "\n";
  out << "ddl_lock_timeout = " << duration(apply.ddl_lock_timeout) << "\n";
  out << "step_retries = " << apply.step_retries << "\n";
  out << "multiple_heads = " << toml_string(to_string(apply.multiple_heads)) << "\n";

  const auto& daemon = config.daemon;
  out << "\n[daemon]\n";
  out << "poll_interval = " << duration(daemon.poll_interval) << "\n";
  out << "debounce = " << duration(daemon.debounce) << "\n";
  out << "rescan_interval = " << duration(daemon.rescan_interval) << "\n";
  out << "shutdown_grace = " << duration(daemon.shutdown_grace) << "\n";
  out << "retry_initial = " << duration(daemon.retry_initial) << "\n";
  out << "retry_max = " << duration(daemon.retry_max) << "\n";

  const auto& control = config.control;
  out << "\n[control]\n";
  out << "socket = " << toml_string(control.socket) << "\n";
  out << "allow_uids = " << id_list(control.allow_uids) << "\n";
  out << "allow_gids = " << id_list(control.allow_gids) << "\n";
  out << "max_request_bytes = " << control.max_request_bytes << "\n";
  out << "max_connections = " << control.max_connections << "\n";
  out << "idle_timeout = " << duration(control.idle_timeout) << "\n";
  out << "request_timeout = " << duration(control.request_timeout) << "\n";

  out << "\n[metrics]\nlisten = " << toml_string(config.metrics.listen) << "\n";
  out << "\n[log]\nformat = " << toml_string(to_string(config.log.format)) << "\n";
  out << "level = " << toml_string(config.log.level) << "\n";

  const auto& runner = config.runner;
  out << "\n[runner]\n";
  out << "command = " << toml_string(runner.command) << "\n";
  out << "downgrade_command = " << toml_string(runner.downgrade_command) << "\n";
  out << "working_dir = " << toml_string(runner.working_dir) << "\n";
  out << "timeout = " << duration(runner.timeout) << "\n";
  out << "env = {";
  const char* separator = " ";
  for (const auto& [name, value] : runner.env) {
    out << separator << name << " = " << toml_string(mask_url_credentials(value));
    separator = ", ";
  }
  out << (runner.env.empty() ? "}" : " }") << "\n";

  out << "\n[aliases]\nauto_stamp = " << (config.aliases.auto_stamp ? "true" : "false") << "\n";
  for (const auto& [old_id, new_id] : config.aliases.renamed) {
    out << toml_string(old_id) << " = " << toml_string(new_id) << "\n";
  }

  out << "\n[baseline]\n";
  out << "when_table_exists = " << toml_string(config.baseline.when_table_exists) << "\n";
  out << "revision = " << toml_string(config.baseline.revision) << "\n";

  // The same password may appear anywhere (a runner command, an env value): mask it too.
  std::string text = core::redact_secrets(out.str(), db.url);
  if (db.lock_url) text = core::redact_secrets(text, *db.lock_url);
  return text;
}

}  // namespace magent::config
