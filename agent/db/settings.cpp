#include "agent/db/settings.hpp"

#include "agent/db/lock.hpp"
#include "agent/db/runner.hpp"
#include "agent/platform/host.hpp"
#include "agent/version.hpp"

namespace magent::db {

DatabaseSettings database_settings(const config::Config& config) {
  DatabaseSettings s;
  const auto& d = config.database;
  s.connect.url = d.url;
  s.connect.lock_url = d.lock_url;
  s.connect.connect_timeout = d.connect_timeout;
  s.connect.application_name = "migration-agent";
  s.version_table = {d.version_table, d.version_table_schema, d.version_table_width};
  s.ledger_table = {d.ledger_table, d.version_table_schema};
  s.lock_key = lock_key(d.url, s.version_table);

  MigrateSettings& m = s.migrate;
  m.version_table = s.version_table;
  m.ledger_table = s.ledger_table;
  m.lock_key = s.lock_key;
  m.lock_timeout = config.apply.lock_timeout;
  m.step_timeouts = {config.apply.statement_timeout, config.apply.ddl_lock_timeout};
  m.step_retries = config.apply.step_retries;
  m.host = platform::host_name();
  m.pid = platform::process_id();
  m.agent_version = k_version;
  if (!config.runner.command.empty() || !config.runner.downgrade_command.empty()) {
    s.runner = std::make_shared<CommandStepRunner>(config.runner, d.url);
    m.runner = s.runner.get();
  }
  m.aliases = config.aliases.renamed;
  m.alias_auto_stamp = config.aliases.auto_stamp;
  m.baseline_table = config.baseline.when_table_exists;
  m.baseline_revision = config.baseline.revision;
  return s;
}

core::DriftContext drift_context(const config::Config& config) {
  core::DriftContext context;
  context.aliases = config.aliases.renamed;
  context.alias_auto_stamp = config.aliases.auto_stamp;
  context.has_runner = !config.runner.command.empty();
  context.migrations_dir = config.migrations.dir;
  context.baseline_table = config.baseline.when_table_exists;
  context.baseline_revision = config.baseline.revision;
  return context;
}

}  // namespace magent::db
