#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "agent/core/plan.hpp"
#include "agent/core/revision_graph.hpp"
#include "agent/core/text.hpp"
#include "agent/db/database.hpp"
#include "agent/db/ledger.hpp"
#include "agent/db/migrator.hpp"
#include "agent/platform/clock.hpp"

// Internals the migrator's files share (migrator.cpp: .sql steps and stamps;
// runner_steps.cpp: .py steps through the runner). Not for use outside agent/db.
namespace magent::db::detail {

// Everything one step needs to run and to be recorded.
struct StepContext {
  Database& db;
  const MigrateRequest& request;
  const MigrateSettings& settings;
  platform::Clock& clock;
};

// A ledger row for `step` with who/where/when filled in; outcome and versions left to the
// caller. A stamp's revision is `stamp_label`, or the request's targets when empty.
LedgerEntry base_entry(const StepContext& ctx, const core::Step& step,
                       const std::string& stamp_label = "");

// "revision X (file)" or "stamp", for messages.
std::string step_name(const core::Step& step);

std::chrono::milliseconds elapsed_since(platform::Clock& clock, platform::Clock::SteadyTime start);

using core::join;

// Writes a ledger row for a step whose outcome is already settled (rolled back, or applied
// by the runner): a failed write does not change that outcome. When the row says the step
// succeeded it is the only record of it, so a failed write is logged with the revision and
// the reason; a `failed` row's write fails for the cause the step's own error already
// names (the database went away, or refuses writes), and the error stays one line.
void append_or_warn(const StepContext& ctx, const LedgerEntry& entry);
void resolve_or_warn(const StepContext& ctx, std::int64_t id, const std::string& revision,
                     const LedgerResolution& resolution);

// What a run of .py steps through the runner did.
struct RunnerBatchRun {
  std::vector<StepResult> results;  // one per revision that moved, then the failing one
  std::vector<std::string> rows;    // alembic_version as read after the runner
  std::size_t next = 0;             // index of the next plan step
  bool failed = false;
  core::ErrorKind error_kind = core::ErrorKind::step_failed;
  std::string error;  // one line, for the command line and the run summary
};

// Runs plan.steps[first] and the .py steps after it that one runner call can apply
// (core::next_runner_batch), under the lock the caller holds: a `started` ledger row for
// the first revision, the runner, then alembic_version re-read and compared with what the
// plan says each step leaves. One ledger row per revision: succeeded for each that moved,
// failed (with the runner's output tail) for the one where it stopped: on PostgreSQL the
// revision of Alembic's last "Running" log line when that is later than the first that did
// not move (one transaction rolled back the ones between, which get no row), else that
// first one.
RunnerBatchRun run_runner_batch(const StepContext& ctx, const core::RevisionGraph& graph,
                                const core::Plan& plan, std::size_t first,
                                const std::vector<std::string>& rows, const StepObserver& observer);

}  // namespace magent::db::detail
