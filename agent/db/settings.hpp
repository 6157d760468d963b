#pragma once

#include <memory>
#include <string>

#include "agent/config/config.hpp"
#include "agent/core/drift.hpp"
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
  // The [runner] for .py revisions when `runner.command` or `downgrade_command` is set;
  // migrate.runner points at it (copies of these settings share it).
  std::shared_ptr<StepRunner> runner;
  MigrateSettings migrate;
};

// Derives connection options, table names, the lock key, per-step settings, the runner,
// aliases and baseline from config.
DatabaseSettings database_settings(const config::Config& config);

// What the drift rules need from config: aliases, runner, baseline, the directory's name.
core::DriftContext drift_context(const config::Config& config);

}  // namespace magent::db
