#include "agent/control/replies.hpp"

namespace magent::control {
namespace {

using nlohmann::json;

template <class T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

json to_json(const core::Drift& drift) {
  return {{"kind", std::string(core::to_string(drift.kind))},
          {"message", drift.message},
          {"fix", drift.fix}};
}

json to_json(const core::RunSummary& run) {
  return {{"trigger", run.trigger},
          {"operation", run.operation},
          {"outcome", run.outcome},
          {"started_at", run.started_at},
          {"finished_at", run.finished_at},
          {"steps_applied", run.steps_applied},
          {"error", run.error}};
}

json to_json(const core::StatusSnapshot& status) {
  json drift = json::array();
  for (const auto& item : status.drift) drift.push_back(to_json(item));
  return {
      {"migrations_dir", status.migrations_dir},
      {"migration_files", status.migration_files},
      {"file_problems", status.file_problems},
      {"heads", status.heads},
      {"database", status.database},
      {"database_up", status.database_up},
      {"database_error", status.database_error},
      {"version_table_exists", status.version_table_exists},
      {"revisions", status.revisions},
      {"pending", status.pending},
      {"drift", std::move(drift)},
      {"lock_holder", optional_json(status.lock_holder)},
      {"auto_migrate", status.auto_migrate},
      {"paused", status.paused},
      {"migrating", status.migrating},
      {"current_step", status.current_step},
      {"last_run", status.last_run ? to_json(*status.last_run) : json(nullptr)},
      {"last_success_unix", optional_json(status.last_success_unix)},
      {"last_check_unix", optional_json(status.last_check_unix)},
      {"holding_reason", status.holding_reason},
      {"ready", status.ready},
      {"not_ready_reason", status.not_ready_reason},
  };
}

json make_status_reply(const core::StatusSnapshot& status) {
  json reply = to_json(status);
  reply["ok"] = true;
  return reply;
}

json to_json(const core::Revision& revision) {
  return {{"revision", revision.id},
          {"down_revisions", revision.down_revisions},
          {"branch_labels", revision.branch_labels},
          {"message", revision.message},
          {"path", revision.path}};
}

json make_check_reply(const core::Assessment& assessment) {
  json drift = json::array();
  for (const auto& item : assessment.drift) drift.push_back(to_json(item));
  const bool in_sync = assessment.drift.empty() && assessment.at_heads;
  json reply = {{"ok", true},
                {"in_sync", in_sync},
                {"drift", std::move(drift)},
                {"pending", assessment.pending_revisions}};
  if (!in_sync) reply["exit_code"] = 1;
  return reply;
}

json make_plan_reply(std::string_view target, const core::Plan& plan) {
  json steps = json::array();
  for (const auto& step : plan.steps) {
    steps.push_back({{"revision", step.revision != nullptr ? step.revision->id : std::string()},
                     {"direction", std::string(core::to_string(step.direction))}});
  }
  return {{"ok", true}, {"target", std::string(target)}, {"steps", std::move(steps)}};
}

std::string_view to_string(StepState state) {
  switch (state) {
    case StepState::started:
      return "started";
    case StepState::applied:
      return "applied";
    case StepState::failed:
      return "failed";
  }
  return "started";
}

json make_step_progress(const StepProgress& step) {
  json line = {{"event", "step"},
               {"revision", step.revision},
               {"direction", step.direction},
               {"state", std::string(to_string(step.state))}};
  if (step.duration_ms) line["duration_ms"] = *step.duration_ms;
  if (!step.error.empty()) line["error"] = step.error;
  return line;
}

json make_lock_progress(LockState state, const std::optional<std::string>& holder) {
  json line = {{"event", "lock"}, {"state", state == LockState::waiting ? "waiting" : "acquired"}};
  if (holder) line["holder"] = *holder;
  return line;
}

json make_message_progress(std::string_view text) {
  return {{"event", "message"}, {"text", std::string(text)}};
}

}  // namespace magent::control
