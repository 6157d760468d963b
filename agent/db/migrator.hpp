#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/aliases.hpp"
#include "agent/core/plan.hpp"
#include "agent/core/planner.hpp"
#include "agent/core/result.hpp"
#include "agent/core/revision_graph.hpp"
#include "agent/db/database.hpp"
#include "agent/db/ledger.hpp"
#include "agent/db/sql_dialect.hpp"
#include "agent/platform/clock.hpp"

namespace magent::db {

// How one runner invocation ended.
struct RunnerOutcome {
  bool succeeded = false;
  std::string failure;      // how it failed ("the runner exited with status 1"); "" on success
  std::string output_tail;  // the last ~2 KB of its output, passwords masked
};

// Applies .py revisions, which the agent never runs itself: the application's own Alembic
// does (db/runner.hpp), while the agent holds its lock.
class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // Runs the migration command that moves the database to `target` (a full revision id,
  // "heads" or "base") in `direction`, and waits for it. The caller re-reads alembic_version
  // to see what actually moved. An Error only when nothing could be run: no command for
  // `direction` (ErrorKind::usage) or the process could not start (step_failed).
  virtual core::Result<RunnerOutcome> run(const std::string& target, core::Direction direction) = 0;
  // Whether a command is configured for `direction` ([runner] command / downgrade_command).
  virtual bool has_command(core::Direction direction) const = 0;
  // False when the upgrade command has no {target}: it can only upgrade to the heads.
  virtual bool takes_target() const = 0;
};

// What a migration command wants.
enum class Operation { upgrade, downgrade, stamp };

struct MigrateRequest {
  Operation operation = Operation::upgrade;
  std::vector<std::string> targets = {"heads"};  // one for upgrade/downgrade; any for stamp
  core::Purge purge = core::Purge::no;
  LedgerTrigger trigger = LedgerTrigger::cli;
  std::optional<std::int64_t> peer_uid;
  std::optional<std::int64_t> peer_pid;
  // Refuse a plan that would remove every row (downgrade to base) unless set.
  bool allow_empty_result = false;
  // Return the plan without applying it (`plan`).
  bool dry_run = false;
  // Asked before every step; true stops the run cleanly (ErrorKind::io, "interrupted")
  // with the steps so far committed. The daemon's shutdown uses it.
  std::function<bool()> stop_requested;
};

// The settings a migration runs with (from Config).
struct MigrateSettings {
  VersionTable version_table;
  LedgerTable ledger_table;
  std::string lock_key;
  std::chrono::milliseconds lock_timeout{60'000};
  StepTimeouts step_timeouts;
  int step_retries = 0;
  std::string host;
  std::int64_t pid = 0;
  std::string agent_version;
  StepRunner* runner = nullptr;  // nullptr: .py revisions cannot be applied
  // [aliases]: a row holding an old id is planned from its new id; with auto_stamp the row
  // is rewritten first (a `stamp` ledger row), otherwise the first step that moves it does.
  core::AliasMap aliases;
  bool alias_auto_stamp = false;
  // [baseline]: an upgrade of a database without a version table but with this table
  // ("table" or "schema.table") stamps `baseline_revision` first; "" = never.
  std::string baseline_table;
  std::string baseline_revision = "heads";
};

// One step as it ran.
struct StepResult {
  std::string revision;  // "" for a stamp
  core::Direction direction = core::Direction::upgrade;
  std::string path;
  bool succeeded = false;
  std::chrono::milliseconds duration{0};
  std::string error;
  core::ErrorKind error_kind = core::ErrorKind::step_failed;  // resolution: nothing ran
  std::vector<std::string> versions_after;
};

// Called before (`finished` false) and after (`finished` true) each step.
using StepObserver = std::function<void(const core::Step& step, const StepResult* finished)>;

// What a migration did.
struct MigrateOutcome {
  core::Plan plan;
  std::vector<StepResult> steps;  // the steps that ran, the failing one last
  std::vector<std::string> heads_after;
  std::chrono::milliseconds lock_waited{0};
};

// Takes the migration lock (bounded by lock_timeout: ErrorKind::lock_timeout naming the
// holder), re-reads alembic_version under the lock, plans, and, when there is a step to
// apply, creates the version and ledger tables if needed and applies the plan step by step
// (a failed plan or a no-op creates nothing). Each step's statements, its
// alembic_version change and its ledger row commit together on engines with transactional
// DDL; on MySQL/MariaDB (and for `-- transaction: none` steps) a `started` row is written
// first and resolved after. The first failing step stops the run: ErrorKind::step_failed
// naming the revision, file and line, with the database's message; the outcome so far is in
// `partial` when given.
core::Result<MigrateOutcome> migrate(Database& db, const core::RevisionGraph& graph,
                                     const MigrateRequest& request, const MigrateSettings& settings,
                                     platform::Clock& clock, const StepObserver& observer = {},
                                     MigrateOutcome* partial = nullptr);

// Plans without the lock, for `plan` and `check`: what `request` would do from `current`.
core::Result<core::Plan> make_plan(const core::RevisionGraph& graph,
                                   const std::vector<std::string>& current,
                                   const MigrateRequest& request);

}  // namespace magent::db
