#include "agent/db/migrator.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "agent/core/runner_batch.hpp"
#include "agent/core/sql_migration.hpp"
#include "agent/db/lock.hpp"
#include "agent/db/schema_drift.hpp"
#include "agent/db/schema_fingerprint.hpp"
#include "agent/db/step_support.hpp"
#include "agent/db/version_store.hpp"

namespace magent::db {
namespace detail {

std::chrono::milliseconds elapsed_since(platform::Clock& clock, platform::Clock::SteadyTime start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start);
}

LedgerEntry base_entry(const StepContext& ctx, const core::Step& step,
                       const std::string& stamp_label) {
  LedgerEntry entry;
  if (step.revision) {
    entry.revision = step.revision->id;
    entry.path = step.revision->path;
    entry.checksum = step.revision->checksum;
    entry.direction = step.direction == core::Direction::upgrade ? LedgerDirection::upgrade
                                                                 : LedgerDirection::downgrade;
  } else {
    entry.revision = stamp_label.empty() ? join(ctx.request.targets) : stamp_label;
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

void append_or_warn(const StepContext& ctx, const LedgerEntry& entry) {
  auto logged = append(ctx.db, ctx.settings.ledger_table, entry);
  if (!logged && entry.outcome != LedgerOutcome::failed) {
    spdlog::warn("could not record {} {} ({}) in {}: {}", to_string(entry.direction),
                 entry.revision, to_string(entry.outcome), ctx.settings.ledger_table.name,
                 logged.error().message);
  }
}

void resolve_or_warn(const StepContext& ctx, std::int64_t id, const std::string& revision,
                     const LedgerResolution& resolution) {
  auto resolved = update_outcome(ctx.db, ctx.settings.ledger_table, id, resolution);
  if (!resolved && resolution.outcome != LedgerOutcome::failed) {
    spdlog::warn("could not record {} as {} in {} (row {}): {}", revision,
                 to_string(resolution.outcome), ctx.settings.ledger_table.name, id,
                 resolved.error().message);
  }
}

}  // namespace detail

namespace {

using core::ErrorKind;
using core::make_error;
using Clock = platform::Clock;
using detail::base_entry;
using detail::elapsed_since;
using detail::join;
using detail::step_name;
using detail::StepContext;

// A failure the server reports when a DDL waited too long for a table lock; safe to retry
// when nothing of the step was committed.
bool is_lock_wait_timeout(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("lock timeout") != std::string::npos ||
         lower.find("lock wait timeout") != std::string::npos;
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
                                  const std::vector<core::Statement>& statements, LedgerEntry entry,
                                  std::size_t* failed_index) {
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
  detail::append_or_warn(ctx, entry);
}

// Runs one .sql step or stamp. `stamp_label` names a stamp in the ledger (default: the
// request's targets).
StepResult run_step(const StepContext& ctx, const core::Step& step,
                    const std::vector<std::string>& rows_before,
                    const std::string& stamp_label = "") {
  StepResult result;
  result.direction = step.direction;
  if (step.revision) {
    result.revision = step.revision->id;
    result.path = step.revision->path;
  }
  const auto start = ctx.clock.now();
  LedgerEntry entry = base_entry(ctx, step, stamp_label);
  entry.versions_after = core::rows_after_ops(rows_before, step.version_ops);

  std::vector<core::Statement> statements;
  if (step.revision) {
    auto found = core::statements_for(*step.revision, step.direction, ctx.db.dialect());
    if (!found) {
      result.error = found.error().message;
      result.error_kind = found.error().kind;
      return result;  // nothing ran: not a failed step in the ledger
    }
    statements = std::move(*found);
  }

  const bool transactional =
      ctx.db.transactional_ddl() &&
      (!step.revision || step.revision->transaction == core::TransactionMode::per_migration);
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

// The row changes that rewrite every aliased (old) id in `rows` to its new id: an UPDATE,
// or a DELETE when the new id is already a row.
std::vector<core::VersionOp> alias_rewrite_ops(const std::vector<std::string>& rows,
                                               const core::AliasedRows& aliased) {
  std::vector<core::VersionOp> ops;
  std::vector<std::string> present = rows;
  for (const auto& [old_id, new_id] : aliased.renamed) {
    if (std::find(present.begin(), present.end(), new_id) != present.end()) {
      ops.push_back({core::VersionOp::Kind::remove, old_id, ""});
    } else {
      ops.push_back({core::VersionOp::Kind::update, old_id, new_id});
      present.push_back(new_id);
    }
  }
  return ops;
}

// `ops` planned from aliased rows, pointed at the rows the table really holds: an op on a
// new id that is not a row applies to the old id that stands for it.
std::vector<core::VersionOp> translate_ops(std::vector<core::VersionOp> ops,
                                           const std::vector<std::string>& rows,
                                           const core::AliasedRows& aliased) {
  auto holds = [&](const std::string& id) {
    return std::find(rows.begin(), rows.end(), id) != rows.end();
  };
  for (auto& op : ops) {
    if (op.kind == core::VersionOp::Kind::insert || holds(op.from)) continue;
    for (const auto& [old_id, new_id] : aliased.renamed) {
      if (new_id == op.from && holds(old_id)) op.from = old_id;
    }
  }
  return ops;
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

// A stamp made before the plan runs: the [baseline] of an unversioned database, or the
// rewrite of renamed ids ([aliases] auto_stamp).
struct PreStamp {
  core::Step step;
  std::string label;  // the ledger row's revision
};

// The [baseline] stamp an upgrade starts with: no version table, and the configured table
// exists (the schema was made by create_all()). nullopt when it does not apply.
core::Result<std::optional<PreStamp>> baseline_stamp(Database& db, const core::RevisionGraph& graph,
                                                     const MigrateRequest& request,
                                                     const MigrateSettings& settings,
                                                     const VersionState& state) {
  if (request.operation != Operation::upgrade || state.table_exists ||
      settings.baseline_table.empty()) {
    return std::optional<PreStamp>();
  }
  const std::string& spec = settings.baseline_table;
  const auto dot = spec.find('.');
  const std::string schema = dot == std::string::npos ? "" : spec.substr(0, dot);
  const std::string table = dot == std::string::npos ? spec : spec.substr(dot + 1);
  auto exists = db.table_exists(schema, table);
  if (!exists) return exists.error();
  if (!*exists) return std::optional<PreStamp>();
  auto plan = core::plan_stamp(graph, {}, {settings.baseline_revision}, core::Purge::no);
  if (!plan) {
    return make_error(plan.error().kind, "[baseline] revision \"" + settings.baseline_revision +
                                             "\": " + plan.error().message);
  }
  core::Plan merged = merge_stamp_steps(*plan);
  return std::optional<PreStamp>(PreStamp{merged.steps.front(), join(plan->heads_after)});
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
  std::vector<std::string> rows = state->revisions;

  std::vector<PreStamp> stamps;
  auto baseline = baseline_stamp(db, graph, request, settings, *state);
  if (!baseline) return baseline.error();
  std::vector<std::string> planning = rows;
  if (*baseline) {
    planning = core::rows_after_ops(rows, (*baseline)->step.version_ops);
    stamps.push_back(std::move(**baseline));
  }
  const core::AliasedRows aliased = core::apply_aliases(planning, settings.aliases);
  std::vector<core::VersionOp> rewrite = alias_rewrite_ops(planning, aliased);
  const bool stamping = request.operation == Operation::stamp;
  if (!rewrite.empty() && settings.alias_auto_stamp && !stamping) {
    std::vector<std::string> renamed;
    for (const auto& pair : aliased.renamed) renamed.push_back(pair.second);
    stamps.push_back({core::Step{nullptr, core::Direction::upgrade, rewrite}, join(renamed)});
    rewrite.clear();
  }

  auto plan = make_plan(graph, aliased.rows, request);
  if (!plan) return plan.error();
  outcome.plan = stamping ? merge_stamp_steps(*plan) : *plan;
  if (stamping && !rewrite.empty()) {  // the stamp also rewrites the old ids, atomically
    auto& ops = outcome.plan.steps.front().version_ops;
    ops.insert(ops.begin(), rewrite.begin(), rewrite.end());
  }
  outcome.heads_after = rows;
  if (request.operation == Operation::downgrade && !request.allow_empty_result &&
      !plan->steps.empty() && plan->heads_after.empty()) {
    return make_error(ErrorKind::usage,
                      "this downgrade removes every revision (down to base, dropping what they "
                      "created); pass --force if that is really what you want");
  }
  if (request.dry_run || (outcome.plan.steps.empty() && stamps.empty())) return outcome;

  // Only now that there is something to apply: a bad target or a no-op writes nothing.
  if (auto made = ensure_version_table(db, settings.version_table); !made) return made.error();
  if (auto made = ensure_ledger(db, settings.ledger_table); !made) return made.error();

  if (auto set = db.set_step_timeouts(settings.step_timeouts); !set) return set.error();
  StepContext ctx{db, request, settings, clock};
  auto stop = [&](const core::Step& step) -> std::optional<core::Error> {
    if (!request.stop_requested || !request.stop_requested()) return std::nullopt;
    (void)guard->release();
    return make_error(ErrorKind::io,
                      "interrupted before " + step_name(step) + ": the agent is shutting down");
  };
  auto record = [&](const core::Step& step, StepResult result) -> std::optional<core::Error> {
    if (observer) observer(step, &result);
    outcome.steps.push_back(result);
    if (!result.succeeded) {
      (void)guard->release();
      return make_error(result.error_kind, result.error);
    }
    rows = result.versions_after;
    outcome.heads_after = rows;
    return std::nullopt;
  };

  for (const PreStamp& pre : stamps) {
    if (observer) observer(pre.step, nullptr);
    if (auto failed = record(pre.step, run_step(ctx, pre.step, rows, pre.label))) return *failed;
  }
  const auto& steps = outcome.plan.steps;
  for (std::size_t i = 0; i < steps.size();) {
    const core::Step& step = steps[i];
    if (auto stopped = stop(step)) return *stopped;
    if (step.revision && step.revision->kind == core::FileKind::python) {
      auto batch = detail::run_runner_batch(ctx, graph, outcome.plan, i, rows, observer);
      outcome.steps.insert(outcome.steps.end(), batch.results.begin(), batch.results.end());
      rows = batch.rows;
      outcome.heads_after = rows;
      if (batch.failed) {
        (void)guard->release();
        return make_error(batch.error_kind, batch.error);
      }
      i = batch.next;
      continue;
    }
    core::Step effective = step;
    if (!stamping) effective.version_ops = translate_ops(step.version_ops, rows, aliased);
    if (observer) observer(step, nullptr);
    if (auto failed = record(step, run_step(ctx, effective, rows))) return *failed;
    ++i;
  }
  // The schema as this run left it, so that later hand-made DDL shows as schema drift.
  auto recorded = record_schema_fingerprint(
      db, schema_scope_for(settings.version_table, settings.ledger_table), settings.ledger_table);
  if (!recorded) {
    spdlog::warn(
        "could not record the schema fingerprint (schema drift will not be "
        "reported until the next run): {}",
        recorded.error().message);
  }
  if (auto released = guard->release(); !released) return released.error();
  return outcome;
}

}  // namespace magent::db
