#include "agent/db/settings.hpp"

#include "agent/db/lock.hpp"
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
  return s;
}

}  // namespace magent::db
