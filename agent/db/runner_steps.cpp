// .py steps: the runner applies them while the migrator holds the lock; afterwards
// alembic_version says how far it got, and the ledger records exactly that.
#include <algorithm>

#include "agent/core/runner_batch.hpp"
#include "agent/db/step_support.hpp"
#include "agent/db/version_store.hpp"

namespace magent::db::detail {
namespace {

StepResult result_for(const core::Step& step) {
  StepResult r;
  r.revision = step.revision->id;
  r.path = step.revision->path;
  r.direction = step.direction;
  return r;
}

// The last non-empty line of the runner's output, for one-line messages.
std::string last_line(const std::string& tail) {
  std::size_t end = tail.size();
  while (end > 0) {
    const std::size_t start = tail.rfind('\n', end - 1);
    const std::size_t from = start == std::string::npos ? 0 : start + 1;
    std::string line = tail.substr(from, end - from);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) return line.size() > 300 ? line.substr(0, 300) + "..." : line;
    if (start == std::string::npos) break;
    end = start;
  }
  return "";
}

// Alembic's last "Running upgrade a -> b" log line in the output, if it logged one: which
// step it was in when it stopped (its transaction may have rolled earlier ones back).
std::string last_running_step(const std::string& tail) {
  const auto at = tail.rfind("Running ");
  if (at == std::string::npos) return "";
  const auto end = tail.find('\n', at);
  std::string step =
      tail.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  if (step.rfind("upgrade ", 0) != 0 && step.rfind("downgrade ", 0) != 0) return "";
  return step.size() > 200 ? step.substr(0, 200) + "..." : step;
}

std::string rows_text(const std::vector<std::string>& rows) {
  return rows.empty() ? "(empty: base)" : join(rows);
}

}  // namespace

RunnerBatchRun run_runner_batch(const StepContext& ctx, const core::RevisionGraph& graph,
                                const core::Plan& plan, std::size_t first,
                                const std::vector<std::string>& rows,
                                const StepObserver& observer) {
  RunnerBatchRun run;
  run.rows = rows;
  run.next = first + 1;
  const core::Step& head = plan.steps[first];
  const auto start = ctx.clock.now();
  // Nothing ran: the step is reported (and, for a missing runner, recorded) as failed.
  auto refuse = [&](core::ErrorKind kind, const std::string& message, bool record) {
    run.failed = true;
    run.error_kind = kind;
    run.error = message;
    StepResult r = result_for(head);
    r.error = message;
    r.error_kind = kind;
    if (observer) observer(head, nullptr);
    if (record) {
      LedgerEntry entry = base_entry(ctx, head);
      entry.outcome = LedgerOutcome::failed;
      entry.finished_at = ctx.clock.wall_now();
      entry.duration = elapsed_since(ctx.clock, start);
      entry.error = message;
      append_or_warn(ctx, entry);
    }
    if (observer) observer(head, &r);
    run.results.push_back(std::move(r));
    return run;
  };

  StepRunner* runner = ctx.settings.runner;
  if (runner == nullptr) {
    return refuse(core::ErrorKind::step_failed,
                  step_name(head) +
                      " is an Alembic Python file; the agent never runs Python itself: configure "
                      "[runner] command to apply it",
                  true);
  }
  if (!runner->has_command(head.direction)) {
    return refuse(
        core::ErrorKind::usage,
        step_name(head) + " is an Alembic Python file and no [runner] " +
            (head.direction == core::Direction::upgrade ? "command" : "downgrade_command") +
            " is configured to " + std::string(core::to_string(head.direction)) + " it",
        false);
  }
  for (const std::string& row : rows) {
    auto alias = ctx.settings.aliases.find(row);
    if (alias == ctx.settings.aliases.end()) continue;
    return refuse(core::ErrorKind::resolution,
                  "alembic_version holds " + row + ", which Alembic cannot locate (renamed to " +
                      alias->second +
                      " in [aliases]); stamp it first with `migration-agent stamp " +
                      alias->second + " --purge`, or set [aliases] auto_stamp = true",
                  false);
  }
  const auto style = head.direction == core::Direction::upgrade && !runner->takes_target()
                         ? core::RunnerTarget::heads_only
                         : core::RunnerTarget::given;
  auto batch = core::next_runner_batch(graph, plan, first, rows, style);
  if (!batch)
    return refuse(batch.error().kind, step_name(head) + ": " + batch.error().message, false);

  LedgerEntry started = base_entry(ctx, head);
  started.outcome = LedgerOutcome::started;
  auto started_id = append(ctx.db, ctx.settings.ledger_table, started);
  if (!started_id) {
    return refuse(core::ErrorKind::step_failed,
                  step_name(head) + ": ledger write failed: " + started_id.error().message, false);
  }
  if (observer) observer(head, nullptr);
  auto ran = runner->run(batch->target, head.direction);
  auto state = read_versions(ctx.db, ctx.settings.version_table);
  const auto duration = elapsed_since(ctx.clock, start);
  const auto finished_at = ctx.clock.wall_now();

  const std::size_t count = batch->last - batch->first + 1;
  std::vector<std::string> before = rows;
  std::sort(before.begin(), before.end());
  std::vector<std::string> actual = state ? state->revisions : before;
  std::size_t moved = 0;  // how many of the batch's steps alembic_version shows applied
  bool recognised = actual == before;
  for (std::size_t k = count; k-- > 0;) {
    if (batch->rows_after[k] == actual) {
      moved = k + 1;
      recognised = true;
      break;
    }
  }
  std::string failure;
  if (!state) {
    failure = "alembic_version could not be re-read after the runner: " + state.error().message;
  } else if (!recognised) {
    failure = "the runner left alembic_version at " + rows_text(actual) +
              ", which is not a state this plan passes through (expected " +
              rows_text(batch->rows_after.back()) + ")";
  } else if (moved < count) {
    failure = !ran ? ran.error().message
              : !ran->succeeded
                  ? ran->failure
                  : "the runner exited 0 but alembic_version is at " + rows_text(actual) +
                        ", not " + rows_text(batch->rows_after.back());
  }
  const std::string tail = ran ? ran->output_tail : "";
  if (!failure.empty()) {
    if (const std::string running = last_running_step(tail); !running.empty()) {
      failure += " (Alembic's last step: " + running + ")";
    }
  }
  // The step the runner stopped in. alembic_version shows the steps that committed. On
  // PostgreSQL, where Alembic's DDL is transactional and one invocation is one transaction,
  // the failure rolled back steps that had run too, and Alembic's last "Running" log line
  // names the one that failed. Elsewhere (DDL commits as it runs) a step alembic_version
  // does not show may be partly applied: the failure stays with the first of them.
  std::size_t failing = recognised ? moved : 0;
  if (!failure.empty() && recognised && ctx.db.dialect() == core::Dialect::postgresql) {
    const auto logged = core::batch_index_of(
        plan, *batch, core::last_running_revision(tail, head.direction));
    if (logged && *logged > moved) failing = *logged;
  }
  const core::Step& failed_step = plan.steps[batch->first + failing];
  // Whether the row started for the batch's first step records the failing step instead:
  // the first step was rolled back, and a rolled-back step gets no row of its own.
  const bool row_moves = failing > 0 && moved == 0;
  const std::string recorded_failure =
      failure + (tail.empty() ? "" : "; runner output (last lines):\n" + tail);

  for (std::size_t i = 0; i < count && (failure.empty() || i <= failing); ++i) {
    const core::Step& step = plan.steps[batch->first + i];
    const bool ok = failure.empty() || i < moved;
    const bool rolled_back = !ok && i < failing;
    StepResult r = result_for(step);
    r.succeeded = ok;
    r.duration = duration;
    if (ok) r.versions_after = batch->rows_after[i];
    std::optional<std::string> ledger_error;
    if (rolled_back) {
      r.error = step_name(step) + ": rolled back: Alembic ran it in one transaction with " +
                step_name(failed_step) + ", which failed";
    } else if (!ok) {
      ledger_error = recorded_failure;
      const std::string line = last_line(tail);
      r.error = step_name(step) + ": " + failure + (line.empty() ? "" : ": " + line);
      run.failed = true;
      run.error = r.error;
    }
    if (i == 0) {
      LedgerResolution resolution;
      resolution.outcome = ok ? LedgerOutcome::succeeded : LedgerOutcome::failed;
      resolution.finished_at = finished_at;
      resolution.duration = duration;
      resolution.versions_after = ok ? r.versions_after : actual;
      resolution.error = ledger_error;
      if (row_moves) {
        resolution.error = recorded_failure;
        resolution.step = LedgerResolution::StepFile{failed_step.revision->id,
                                                     failed_step.revision->path,
                                                     failed_step.revision->checksum};
      }
      resolve_or_warn(ctx, *started_id, row_moves ? failed_step.revision->id : step.revision->id,
                      resolution);
    } else {
      if (observer) observer(step, nullptr);
      if (!rolled_back && !(row_moves && i == failing)) {
        LedgerEntry entry = base_entry(ctx, step);
        entry.started_at = started.started_at;
        entry.finished_at = finished_at;
        entry.duration = duration;
        entry.outcome = ok ? LedgerOutcome::succeeded : LedgerOutcome::failed;
        entry.error = ledger_error;
        entry.versions_after = ok ? r.versions_after : actual;
        append_or_warn(ctx, entry);
      }
    }
    if (observer) observer(step, &r);
    run.results.push_back(std::move(r));
  }
  run.rows = actual;
  run.next = batch->last + 1;
  return run;
}

}  // namespace magent::db::detail
