#include "agent/control/render.hpp"

#include <string_view>

namespace magent::control {
namespace {

using nlohmann::json;

// `value[key]` as text: strings as they are, other scalars as JSON, absent as "".
std::string text(const json& value, std::string_view key) {
  if (!value.is_object()) return "";
  const auto it = value.find(key);
  if (it == value.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

bool flag(const json& value, std::string_view key) {
  if (!value.is_object()) return false;
  const auto it = value.find(key);
  return it != value.end() && it->is_boolean() && it->get<bool>();
}

const json& member(const json& value, std::string_view key) {
  static const json k_null;
  if (!value.is_object()) return k_null;
  const auto it = value.find(key);
  return it == value.end() ? k_null : *it;
}

// A list of strings joined with ", "; `empty` when there are none.
std::string list(const json& value, std::string_view key, std::string_view empty) {
  const json& items = member(value, key);
  if (!items.is_array() || items.empty()) return std::string(empty);
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item.is_string() ? item.get<std::string>()
                            : item.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out;
}

// A check reply is in sync when it says so (or, without "in_sync", has no drift) and lists
// no drift.
bool check_in_sync(const json& reply) {
  const json& drift = member(reply, "drift");
  const bool no_drift = !drift.is_array() || drift.empty();
  const json& in_sync = member(reply, "in_sync");
  return no_drift && (in_sync.is_boolean() ? in_sync.get<bool>() : true);
}

std::string row(std::string_view label, std::string_view value) {
  std::string out(label);
  out += ':';
  out.append(out.size() < 15 ? 15 - out.size() : 1, ' ');
  out += value;
  out += '\n';
  return out;
}

std::string render_drift(const json& reply, std::string_view indent) {
  std::string out;
  const json& drift = member(reply, "drift");
  if (!drift.is_array()) return out;
  for (const auto& item : drift) {
    out += std::string(indent) + text(item, "kind") + ": " + text(item, "message") + "\n";
    const std::string fix = text(item, "fix");
    if (!fix.empty()) out += std::string(indent) + "  fix: " + fix + "\n";
  }
  return out;
}

std::string render_last_run(const json& run) {
  if (!run.is_object()) return "none";
  std::string out =
      text(run, "operation") + " (" + text(run, "trigger") + ") " + text(run, "outcome");
  const std::string finished = text(run, "finished_at");
  out += " at " + (finished.empty() ? text(run, "started_at") : finished);
  out += ", " + text(run, "steps_applied") + " step(s)";
  const std::string error = text(run, "error");
  if (!error.empty()) out += ": " + error;
  return out;
}

std::string render_status(const json& reply) {
  std::string out;
  std::string database = text(reply, "database");
  database +=
      flag(reply, "database_up") ? " (up)" : " (down: " + text(reply, "database_error") + ")";
  out += row("database", database);
  out += row("revision(s)", list(reply, "revisions", "(base)"));
  out += row("heads", list(reply, "heads", "(none)"));
  const json& pending = member(reply, "pending");
  out += row("pending", pending.is_array() && !pending.empty()
                            ? std::to_string(pending.size()) + ": " + list(reply, "pending", "")
                            : "none");
  const json& drift = member(reply, "drift");
  out += row("drift", drift.is_array() && !drift.empty() ? std::to_string(drift.size()) : "none");
  out += render_drift(reply, "  ");
  std::string automatic = flag(reply, "auto_migrate") ? "on" : "off";
  if (flag(reply, "paused")) automatic += " (paused)";
  out += row("auto-migrate", automatic);
  const std::string holding = text(reply, "holding_reason");
  if (!holding.empty()) out += row("holding", holding);
  const std::string holder = text(reply, "lock_holder");
  out += row("lock holder", holder.empty() ? "none" : holder);
  if (flag(reply, "migrating")) out += row("migrating", text(reply, "current_step"));
  out += row("last run", render_last_run(member(reply, "last_run")));
  out += row("ready", flag(reply, "ready") ? "yes" : "no: " + text(reply, "not_ready_reason"));
  const std::string dir = text(reply, "migrations_dir");
  if (!dir.empty())
    out += row("migrations", dir + " (" + text(reply, "migration_files") + " files)");
  const json& problems = member(reply, "file_problems");
  if (problems.is_array()) {
    for (const auto& problem : problems) {
      out += "  problem: " +
             (problem.is_string() ? problem.get<std::string>()
                                  : problem.dump(-1, ' ', false, json::error_handler_t::replace)) +
             "\n";
    }
  }
  return out;
}

std::string render_history(const json& reply) {
  const json& revisions = member(reply, "revisions");
  if (!revisions.is_array() || revisions.empty()) return "no revisions\n";
  std::string out;
  for (const auto& revision : revisions) {
    out += list(revision, "down_revisions", "<base>") + " -> " + text(revision, "revision");
    const std::string labels = list(revision, "branch_labels", "");
    if (!labels.empty()) out += " (" + labels + ")";
    const std::string message = text(revision, "message");
    if (!message.empty()) out += ", " + message;
    out += "\n";
  }
  return out;
}

std::string render_check(const json& reply) {
  if (check_in_sync(reply)) return "in sync: the database is at the heads\n";
  std::string out = "not in sync:\n";
  out += render_drift(reply, "  ");
  const json& pending = member(reply, "pending");
  if (pending.is_array() && !pending.empty())
    out += "  pending: " + list(reply, "pending", "") + "\n";
  return out;
}

std::string render_plan(const json& reply) {
  const json& steps = member(reply, "steps");
  const std::string target = text(reply, "target");
  if (!steps.is_array() || steps.empty()) return "nothing to do for " + target + "\n";
  std::string out = std::to_string(steps.size()) + " step(s) to " + target + ":\n";
  for (const auto& step : steps)
    out += "  " + text(step, "direction") + " " + text(step, "revision") + "\n";
  return out;
}

std::string render_run(const json& reply) {
  std::string out = text(reply, "operation");
  const std::string target = text(reply, "target");
  if (!target.empty()) out += (out.empty() ? "" : " to ") + target;
  out += (out.empty() ? "" : ": ") + text(reply, "steps_applied") + " step(s) done";
  if (member(reply, "revisions").is_array())
    out += "; now at " + list(reply, "revisions", "(base)");
  return out + "\n";
}

}  // namespace

std::string render_progress(const json& line) {
  const json& progress = member(line, "progress");
  if (progress.is_string()) return progress.get<std::string>();
  const std::string event = text(progress, "event");
  if (event == "step") {
    std::string out = text(progress, "direction") + " " + text(progress, "revision") + " " +
                      text(progress, "state");
    const std::string duration = text(progress, "duration_ms");
    if (!duration.empty()) out += " (" + duration + " ms)";
    const std::string error = text(progress, "error");
    if (!error.empty()) out += ": " + error;
    return out;
  }
  if (event == "lock") {
    const std::string holder = text(progress, "holder");
    if (text(progress, "state") == "acquired") return "lock acquired";
    return "waiting for the migration lock" + (holder.empty() ? "" : " (held by " + holder + ")");
  }
  if (event == "message") return text(progress, "text");
  if (progress.is_null()) return "";
  return progress.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string render_reply(Command command, const json& reply) {
  std::string out;
  switch (command) {
    case Command::status:
      out = render_status(reply);
      break;
    case Command::history:
      out = render_history(reply);
      break;
    case Command::check:
      out = render_check(reply);
      break;
    case Command::plan:
      out = render_plan(reply);
      break;
    case Command::upgrade:
    case Command::downgrade:
    case Command::stamp:
      out = render_run(reply);
      break;
    case Command::pause:
    case Command::resume:
      out = flag(reply, "paused") ? "auto-migrate paused\n" : "auto-migrate resumed\n";
      break;
    case Command::reload:
      out = "reloaded\n";
      break;
  }
  const std::string message = text(reply, "message");
  if (!message.empty()) out += message + "\n";
  return out;
}

std::string render_error(const json& reply) {
  std::string out = text(reply, "error");
  if (out.empty()) out = "the daemon reported a failure";
  const std::string code = text(reply, "code");
  if (!code.empty()) out += " (" + code + ")";
  return out;
}

int exit_code_for_reply(Command command, const json& reply) {
  const json& exit_code = member(reply, "exit_code");
  if (exit_code.is_number_integer()) {
    const auto value = exit_code.get<long long>();
    if (value >= 0 && value <= 125) return static_cast<int>(value);
  }
  const json& ok = member(reply, "ok");
  if (ok.is_boolean() && ok.get<bool>()) {
    if (command != Command::check) return 0;
    return check_in_sync(reply) ? 0 : 1;
  }
  const std::optional<ErrorCode> code = error_code_from_string(text(reply, "code"));
  return code ? exit_code_for(*code) : 2;
}

}  // namespace magent::control
