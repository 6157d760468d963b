#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/drift.hpp"

namespace magent::core {

// The last migration run the agent made (automatic or manual).
struct RunSummary {
  std::string trigger;      // "auto", "manual", "cli"
  std::string operation;    // "upgrade", "downgrade", "stamp"
  std::string outcome;      // "succeeded", "failed", "running"
  std::string started_at;   // ISO-8601 UTC
  std::string finished_at;  // "" while running
  int steps_applied = 0;
  std::string error;        // "" unless failed
};

// One consistent picture of the agent, taken by the daemon after every check and read by
// the control socket (`status`), the metrics exporter and sd_notify's STATUS line.
struct StatusSnapshot {
  // The deployed migration files.
  std::string migrations_dir;
  std::size_t migration_files = 0;
  std::vector<std::string> file_problems;  // parse and graph errors, one line each
  std::vector<std::string> heads;          // head revisions of the files (empty if broken)

  // The database.
  std::string database;                    // redacted URL
  bool database_up = false;
  std::string database_error;              // why it is down, "" when up
  bool version_table_exists = false;
  std::vector<std::string> revisions;      // alembic_version rows
  std::vector<std::string> pending;        // revisions `upgrade heads` would apply
  std::vector<Drift> drift;
  std::optional<std::string> lock_holder;

  // The agent.
  bool auto_migrate = false;
  bool paused = false;                     // auto-migrate paused by an operator
  bool migrating = false;                  // a run is in progress
  std::string current_step;                // the step running now, "" when idle
  std::optional<RunSummary> last_run;
  std::optional<std::int64_t> last_success_unix;  // end of the last successful run
  std::optional<std::int64_t> last_check_unix;    // end of the last completed check
  std::string holding_reason;              // why automatic runs are held, "" when not

  // Readiness for the application: database reachable, at the heads, nothing blocking.
  bool ready = false;
  std::string not_ready_reason;            // one line, "" when ready
};

}  // namespace magent::core
