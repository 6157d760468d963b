#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/config/config.hpp"
#include "agent/core/policy.hpp"
#include "agent/daemon/agent_state.hpp"
#include "agent/db/database.hpp"
#include "agent/db/migrator.hpp"
#include "agent/db/settings.hpp"
#include "agent/platform/clock.hpp"
#include "agent/platform/migration_directory.hpp"

namespace magent::daemon {

// Callbacks the reconciler makes from the worker thread (metrics, logs).
struct ReconcilerHooks {
  std::function<void(const db::StepResult&)> on_step;
  // How long a run waited for the migration lock, and whether it got it.
  std::function<void(std::chrono::milliseconds, bool acquired)> on_lock_wait;
  // A run took the lock (true) or finished and released it (false).
  std::function<void(bool holding)> on_lock_held;
  std::function<void()> on_state_change;  // the snapshot changed
};

// What one check found and did.
struct CheckResult {
  bool database_up = false;
  bool files_ok = false;
  core::Decision decision;
  int steps_applied = 0;
  bool run_failed = false;
};

// Runs on the worker thread only: rescans the migrations directory, reads the database,
// judges drift, applies the automatic-migration policies, and runs migrations. Owns the
// database connection (reopened after any connection failure) and writes AgentState.
class Reconciler {
 public:
  Reconciler(config::Config config, AgentState& state, platform::Clock& clock,
             ReconcilerHooks hooks, db::StepRunner* runner = nullptr);

  // Takes a new configuration (after SIGHUP or `reload`); reconnects if the database changed.
  void reconfigure(config::Config config);
  const config::Config& config() const { return m_config; }

  // One reconcile: rescan → validate → compare with the database → apply when the policies
  // say so (and `allow_apply`).
  CheckResult check(bool allow_apply = true);

  // A manual migration from the control socket, serialized with the checks; the snapshot is
  // refreshed afterwards.
  core::Result<db::MigrateOutcome> run_manual(const db::MigrateRequest& request,
                                              const db::StepObserver& observer);

  // A plan without applying it (control socket `plan`).
  core::Result<core::Plan> plan(const std::string& target);

  // Asks a running migration to stop after its current step (shutdown).
  void request_stop() { m_stop_requested = true; }

  // From any thread, when the shutdown grace has run out: asks the database server to stop
  // the statement the worker is waiting on (Database::statement_canceller). False when the
  // connection's engine needs no such thing or there is no connection.
  core::Result<bool> cancel_statement() const;

 private:
  core::Result<db::Database*> connection();
  void set_connection(std::unique_ptr<db::Database> db);  // also publishes its canceller
  void drop_connection(const core::Error& why);
  core::Result<db::MigrateOutcome> migrate(const db::MigrateRequest& request,
                                           const db::StepObserver& observer);
  void record_run(const db::MigrateRequest& request, const core::Result<db::MigrateOutcome>& result,
                  const db::MigrateOutcome& outcome, const std::string& started_at);
  bool backoff_allows_retry(std::string& reason);

  config::Config m_config;
  db::DatabaseSettings m_settings;
  AgentState& m_state;
  platform::Clock& m_clock;
  ReconcilerHooks m_hooks;
  db::StepRunner* m_runner;
  std::unique_ptr<db::Database> m_db;
  std::shared_ptr<const core::RevisionGraph> m_graph;
  // Every check scans the directory; files unchanged since the last one are not read again.
  platform::ScanCache m_scan_cache;
  // The connection's statement canceller, set and cleared with m_db on the worker thread,
  // read by cancel_statement() on another.
  mutable std::mutex m_canceller_mutex;
  std::function<core::Result<void>()> m_canceller;
  std::atomic<bool> m_stop_requested{false};
  int m_consecutive_failures = 0;
  std::optional<platform::Clock::SteadyTime> m_retry_not_before;
  std::vector<std::string> m_logged_problems;  // the file problems last logged
};

}  // namespace magent::daemon
