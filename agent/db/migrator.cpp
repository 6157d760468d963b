#include "agent/db/migrator.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "agent/core/sql_migration.hpp"
#include "agent/db/lock.hpp"
#include "agent/db/schema_drift.hpp"
#include "agent/db/schema_fingerprint.hpp"
#include "agent/db/version_store.hpp"

namespace magent::db {
namespace {

using core::ErrorKind;
using core::make_error;
using Clock = platform::Clock;

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::vector<std::string> rows_after(std::vector<std::string> rows,
                                    const std::vector<core::VersionOp>& ops) {
  for (const auto& op : ops) {
    if (op.kind != core::VersionOp::Kind::insert) std::erase(rows, op.from);
    if (op.kind != core::VersionOp::Kind::remove) rows.push_back(op.to);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// A failure the server reports when a DDL waited too long for a table lock; safe to retry
// when nothing of the step was committed.
bool is_lock_wait_timeout(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("lock timeout") != std::string::npos ||
         lower.find("lock wait timeout") != std::string::npos;
}

std::chrono::milliseconds elapsed_since(Clock& clock, Clock::SteadyTime start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start);
}

// Everything one step needs to run and to be recorded.
struct StepContext {
  Database& db;
  const MigrateRequest& request;
  const MigrateSettings& settings;
  Clock& clock;
};

LedgerEntry base_entry(const StepContext& ctx, const core::Step& step) {
  LedgerEntry entry;
  if (step.revision) {
    entry.revision = step.revision->id;
    entry.path = step.revision->path;
    entry.checksum = step.revision->checksum;
    entry.direction = step.direction == core::Direction::upgrade ? LedgerDirection::upgrade
                                                                 : LedgerDirection::downgrade;
  } else {
    entry.revision = join(ctx.request.targets);
    entry.direction = LedgerDirection::stamp;
  }
  entry.started_at = ctx.clock.wall_now();
  entry.host = ctx.settings.host;
  entry.pid = ctx.settings.pid;
  entry.agent_version = ctx.settings.agent_version;
  entry.trigger = ctx.request.trigger;
  entry.peer_uid = ctx.request.peer_uid;
  entry.peer_pid = ctx.request.peer_pid;
  return entry;
}

std::string step_name(const core::Step& step) {
  if (!step.revision) return "stamp";
  return "revision " + step.revision->id + " (" + step.revision->path + ")";
}

// Runs the statements in order; on failure names file:line and keeps the server's words.
core::Result<void> run_statements(Database& db, const core::Revision& revision,
                                  const std::vector<core::Statement>& statements,
                                  std::size_t* failed_index) {
  for (std::size_t i = 0; i < statements.size(); ++i) {
    auto done = db.execute(statements[i].sql);
    if (!done) {
      *failed_index = i;
      return make_error(ErrorKind::step_failed,
                        revision.path + ":" + std::to_string(statements[i].line) + ": revision " +
                            revision.id + " failed: " + done.error().message);
    }
  }
  return {};
}

// One attempt of a step inside a single transaction (PostgreSQL, SQLite).
core::Result<void> run_transactional(const StepContext& ctx, const core::Step& step,
                                     const std::vector<core::Statement>& statements,
                                     LedgerEntry entry, std::size_t* failed_index) {
  Database& db = ctx.db;
  const auto start = ctx.clock.now();
  auto fail = [&](core::Error error) -> core::Result<void> {
    (void)db.rollback();
    return error;
  };
  if (auto began = db.begin(); !began) return began.error();
  if (step.revision) {
    if (auto ran = run_statements(db, *step.revision, statements, failed_index); !ran) {
      return fail(ran.error());
    }
  }
  if (auto moved = apply_version_ops(db, ctx.settings.version_table, step.version_ops); !moved) {
    return fail(make_error(ErrorKind::step_failed, step_name(step) + ": " + moved.error().message));
  }
  entry.outcome = LedgerOutcome::succeeded;
  entry.finished_at = ctx.clock.wall_now();
  entry.duration = elapsed_since(ctx.clock, start);
  if (auto logged = append(db, ctx.settings.ledger_table, entry); !logged) {
    return fail(make_error(ErrorKind::step_failed,
                           step_name(step) + ": ledger write failed: " + logged.error().message));
  }
  if (auto committed = db.commit(); !committed) {
    return fail(make_error(ErrorKind::step_failed,
                           step_name(step) + ": commit failed: " + committed.error().message));
  }
  return {};
}

// One step whose statements commit as they run (MySQL DDL, `-- transaction: none`): a
// `started` row first, the version change and `succeeded` together at the end.
core::Result<void> run_autocommit(const StepContext& ctx, const core::Step& step,
                                  const std::vector<core::Statement>& statements,
                                  LedgerEntry entry, std::size_t* failed_index) {
  Database& db = ctx.db;
  const auto start = ctx.clock.now();
  entry.outcome = LedgerOutcome::started;
  auto id = append(db, ctx.settings.ledger_table, entry);
  if (!id) {
    return make_error(ErrorKind::step_failed,
                      step_name(step) + ": ledger write failed: " + id.error().message);
  }
  auto resolve = [&](LedgerOutcome outcome, std::optional<std::string> error) {
    LedgerResolution resolution;
    resolution.outcome = outcome;
    resolution.finished_at = ctx.clock.wall_now();
    resolution.duration = elapsed_since(ctx.clock, start);
    resolution.error = std::move(error);
    if (outcome == LedgerOutcome::succeeded) resolution.versions_after = entry.versions_after;
    return update_outcome(db, ctx.settings.ledger_table, *id, resolution);
  };
  if (step.revision) {
    if (auto ran = run_statements(db, *step.revision, statements, failed_index); !ran) {
      (void)resolve(LedgerOutcome::failed, ran.error().message);
      return ran.error();
    }
  }
  auto finish = [&]() -> core::Result<void> {
    if (auto began = db.begin(); !began) return began.error();
    if (auto moved = apply_version_ops(db, ctx.settings.version_table, step.version_ops); !moved) {
      return moved.error();
    }
    if (auto logged = resolve(LedgerOutcome::succeeded, std::nullopt); !logged) {
      return logged.error();
    }
    return db.commit();
  };
  if (auto finished = finish(); !finished) {
    (void)db.rollback();
    std::string message = step_name(step) +
                          ": the statements ran but alembic_version could not be updated: " +
                          finished.error().message;
    (void)resolve(LedgerOutcome::failed, message);
    return make_error(ErrorKind::step_failed, message);
  }
  return {};
}

// Records a failed transactional step after its rollback, so the ledger shows it.
void record_failure(const StepContext& ctx, LedgerEntry entry, const std::string& error,
                    Clock::SteadyTime start) {
  entry.outcome = LedgerOutcome::failed;
  entry.finished_at = ctx.clock.wall_now();
  entry.duration = elapsed_since(ctx.clock, start);
  entry.error = error;
  entry.versions_after.reset();
  (void)append(ctx.db, ctx.settings.ledger_table, entry);
}

StepResult run_step(const StepContext& ctx, const core::Step& step,
                    const std::vector<std::string>& rows_before) {
  StepResult result;
  result.direction = step.direction;
  if (step.revision) {
    result.revision = step.revision->id;
    result.path = step.revision->path;
  }
  const auto start = ctx.clock.now();
  LedgerEntry entry = base_entry(ctx, step);
  entry.versions_after = rows_after(rows_before, step.version_ops);

  std::vector<core::Statement> statements;
  if (step.revision && step.revision->kind == core::FileKind::python) {
    result.error = step_name(step) +
                   " is an Alembic Python file; the agent never runs Python itself: configure "
                   "[runner] command to apply it";
    record_failure(ctx, entry, result.error, start);
    return result;
  }
  if (step.revision) {
    auto found = core::statements_for(*step.revision, step.direction, ctx.db.dialect());
    if (!found) {
      result.error = found.error().message;
      result.error_kind = found.error().kind;
      return result;  // nothing ran: not a failed step in the ledger
    }
    statements = std::move(*found);
  }

  const bool transactional = ctx.db.transactional_ddl() &&
                             (!step.revision ||
                              step.revision->transaction == core::TransactionMode::per_migration);
  for (int attempt = 0;; ++attempt) {
    std::size_t failed_index = 0;
    auto done = transactional ? run_transactional(ctx, step, statements, entry, &failed_index)
                              : run_autocommit(ctx, step, statements, entry, &failed_index);
    if (done) {
      result.succeeded = true;
      break;
    }
    result.error = done.error().message;
    const bool nothing_committed = transactional || failed_index == 0;
    if (attempt < ctx.settings.step_retries && nothing_committed &&
        is_lock_wait_timeout(result.error)) {
      ctx.clock.sleep_for(std::chrono::milliseconds(500 << std::min(attempt, 6)));
      continue;
    }
    if (transactional) record_failure(ctx, entry, result.error, start);
    break;
  }
  result.duration = elapsed_since(ctx.clock, start);
  if (result.succeeded) result.versions_after = *entry.versions_after;
  return result;
}

// A stamp runs nothing: all of its row changes and one ledger row in one transaction. A
// stamp to where the database already is still records its row: it is how an operator
// settles a failed step whose changes were rolled back (`failed` drift ends at a stamp).
core::Plan merge_stamp_steps(const core::Plan& plan) {
  core::Plan merged = plan;
  merged.steps.clear();
  core::Step all{nullptr, core::Direction::upgrade, {}};
  for (const auto& step : plan.steps) {
    all.version_ops.insert(all.version_ops.end(), step.version_ops.begin(), step.version_ops.end());
  }
  merged.steps.push_back(std::move(all));
  return merged;
}

}  // namespace

core::Result<core::Plan> make_plan(const core::RevisionGraph& graph,
                                   const std::vector<std::string>& current,
                                   const MigrateRequest& request) {
  const std::string target = request.targets.empty() ? "heads" : request.targets.front();
  switch (request.operation) {
    case Operation::upgrade:
      return core::plan_upgrade(graph, current, target);
    case Operation::downgrade:
      return core::plan_downgrade(graph, current, target);
    case Operation::stamp:
      return core::plan_stamp(graph, current, request.targets, request.purge);
  }
  return make_error(ErrorKind::usage, "unknown operation");
}

core::Result<MigrateOutcome> migrate(Database& db, const core::RevisionGraph& graph,
                                     const MigrateRequest& request, const MigrateSettings& settings,
                                     Clock& clock, const StepObserver& observer,
                                     MigrateOutcome* partial) {
  MigrateOutcome scratch;
  MigrateOutcome& outcome = partial ? *partial : scratch;
  auto guard =
      acquire_lock(db, settings.lock_key, settings.lock_timeout, clock, {}, request.stop_requested);
  if (!guard) return guard.error();
  outcome.lock_waited = guard->waited();

  auto state = read_versions(db, settings.version_table);  // re-read under the lock
  if (!state) return state.error();

  auto plan = make_plan(graph, state->revisions, request);
  if (!plan) return plan.error();
  outcome.plan = request.operation == Operation::stamp ? merge_stamp_steps(*plan) : *plan;
  outcome.heads_after = state->revisions;
  if (request.operation == Operation::downgrade && !request.allow_empty_result &&
      !plan->steps.empty() && plan->heads_after.empty()) {
    return make_error(ErrorKind::usage,
                      "this downgrade removes every revision (down to base, dropping what they "
                      "created); pass --force if that is really what you want");
  }
  if (request.dry_run || outcome.plan.steps.empty()) return outcome;

  // Only now that there is something to apply: a bad target or a no-op writes nothing.
  if (auto made = ensure_version_table(db, settings.version_table); !made) return made.error();
  if (auto made = ensure_ledger(db, settings.ledger_table); !made) return made.error();

  if (auto set = db.set_step_timeouts(settings.step_timeouts); !set) return set.error();
  StepContext ctx{db, request, settings, clock};
  std::vector<std::string> rows = state->revisions;
  for (const core::Step& step : outcome.plan.steps) {
    if (request.stop_requested && request.stop_requested()) {
      (void)guard->release();
      return make_error(ErrorKind::io, "interrupted before " + step_name(step) +
                                           ": the agent is shutting down");
    }
    if (observer) observer(step, nullptr);
    StepResult result = run_step(ctx, step, rows);
    if (observer) observer(step, &result);
    outcome.steps.push_back(result);
    if (!result.succeeded) {
      (void)guard->release();
      return make_error(result.error_kind, result.error);
    }
    rows = result.versions_after;
    outcome.heads_after = rows;
  }
  // The schema as this run left it, so that later hand-made DDL shows as schema drift.
  auto recorded = record_schema_fingerprint(
      db, schema_scope_for(settings.version_table, settings.ledger_table), settings.ledger_table);
  if (!recorded) {
    spdlog::warn("could not record the schema fingerprint (schema drift will not be "
                 "reported until the next run): {}",
                 recorded.error().message);
  }
  if (auto released = guard->release(); !released) return released.error();
  return outcome;
}

}  // namespace magent::db
