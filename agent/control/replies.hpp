#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/core/drift.hpp"
#include "agent/core/plan.hpp"
#include "agent/core/revision.hpp"
#include "agent/core/status.hpp"

// Builders for the replies and progress lines the daemon sends, so that every reply has
// the shape docs/control-protocol.md describes. The daemon may add fields; never rename.
namespace magent::control {

// {"kind", "message", "fix"}.
nlohmann::json to_json(const core::Drift& drift);
// {"trigger", "operation", "outcome", "started_at", "finished_at", "steps_applied", "error"}.
nlohmann::json to_json(const core::RunSummary& run);
// Every StatusSnapshot field under its own name; absent optionals are null.
nlohmann::json to_json(const core::StatusSnapshot& status);
// The status reply: {"ok": true} plus to_json(status).
nlohmann::json make_status_reply(const core::StatusSnapshot& status);

// {"revision", "down_revisions", "branch_labels", "message", "path"}: one history entry.
nlohmann::json to_json(const core::Revision& revision);
// The check reply: {"ok": true, "in_sync", "drift": [...], "pending": [...]}, with
// "exit_code": 1 when not in sync (migrationctl check exits 1).
nlohmann::json make_check_reply(const core::Assessment& assessment);
// The plan reply: {"ok": true, "target", "steps": [{"revision", "direction"}...]}.
nlohmann::json make_plan_reply(std::string_view target, const core::Plan& plan);

// Where a migration step is, in a progress line.
enum class StepState { started, applied, failed };
// The wire name of a step state.
std::string_view to_string(StepState state);

// One step of an upgrade, downgrade or stamp as it happens.
struct StepProgress {
  std::string revision;
  std::string direction;  // "upgrade", "downgrade" or "stamp"
  StepState state = StepState::started;
  std::optional<std::int64_t> duration_ms;  // applied, failed
  std::string error;                        // failed
};

// {"event": "step", "revision", "direction", "state", "duration_ms"?, "error"?}.
nlohmann::json make_step_progress(const StepProgress& step);

// Where the migration lock is, in a progress line.
enum class LockState { waiting, acquired };
// {"event": "lock", "state": "waiting"|"acquired", "holder"?: who holds it while waiting}.
nlohmann::json make_lock_progress(LockState state, const std::optional<std::string>& holder);
// {"event": "message", "text": text}: free text for the operator.
nlohmann::json make_message_progress(std::string_view text);

}  // namespace magent::control
