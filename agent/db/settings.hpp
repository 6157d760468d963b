#pragma once

#include <string>

#include "agent/config/config.hpp"
#include "agent/db/connect.hpp"
#include "agent/db/migrator.hpp"
#include "agent/db/sql_dialect.hpp"

namespace magent::db {

// Everything the database side needs, derived once from a validated Config.
struct DatabaseSettings {
  ConnectOptions connect;
  VersionTable version_table;
  LedgerTable ledger_table;
  std::string lock_key;
  MigrateSettings migrate;  // runner left unset
};

// Derives connection options, table names, the lock key and per-step settings from config.
DatabaseSettings database_settings(const config::Config& config);

}  // namespace magent::db
