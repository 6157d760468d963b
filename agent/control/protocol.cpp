#include "agent/control/protocol.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace magent::control {
namespace {

using nlohmann::json;

struct CommandName {
  Command command;
  std::string_view name;
  Access access;
};

constexpr std::array<CommandName, 10> k_commands = {{
    {Command::status, "status", Access::read_only},
    {Command::history, "history", Access::read_only},
    {Command::check, "check", Access::read_only},
    {Command::plan, "plan", Access::read_only},
    {Command::upgrade, "upgrade", Access::mutating},
    {Command::downgrade, "downgrade", Access::mutating},
    {Command::stamp, "stamp", Access::mutating},
    {Command::pause, "pause", Access::mutating},
    {Command::resume, "resume", Access::mutating},
    {Command::reload, "reload", Access::mutating},
}};

struct ErrorCodeName {
  ErrorCode code;
  std::string_view name;
};

constexpr std::array<ErrorCodeName, 18> k_error_codes = {{
    {ErrorCode::bad_request, "bad_request"},
    {ErrorCode::unknown_command, "unknown_command"},
    {ErrorCode::forbidden, "forbidden"},
    {ErrorCode::too_large, "too_large"},
    {ErrorCode::busy, "busy"},
    {ErrorCode::timeout, "timeout"},
    {ErrorCode::shutting_down, "shutting_down"},
    {ErrorCode::internal, "internal"},
    {ErrorCode::usage, "usage"},
    {ErrorCode::config, "config"},
    {ErrorCode::parse, "parse"},
    {ErrorCode::graph, "graph"},
    {ErrorCode::resolution, "resolution"},
    {ErrorCode::unreachable, "unreachable"},
    {ErrorCode::lock_timeout, "lock_timeout"},
    {ErrorCode::step_failed, "step_failed"},
    {ErrorCode::io, "io"},
    {ErrorCode::drift, "drift"},
}};

}  // namespace

std::string_view to_string(Command command) {
  for (const auto& entry : k_commands) {
    if (entry.command == command) return entry.name;
  }
  assert(false && "every command has a name");
  return "status";
}

std::optional<Command> command_from_string(std::string_view name) {
  for (const auto& entry : k_commands) {
    if (entry.name == name) return entry.command;
  }
  return std::nullopt;
}

Access access_of(Command command) {
  for (const auto& entry : k_commands) {
    if (entry.command == command) return entry.access;
  }
  return Access::mutating;
}

std::string_view to_string(ErrorCode code) {
  for (const auto& entry : k_error_codes) {
    if (entry.code == code) return entry.name;
  }
  assert(false && "every error code has a name");
  return "internal";
}

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
  for (const auto& entry : k_error_codes) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}

ErrorCode error_code_for(core::ErrorKind kind) {
  switch (kind) {
    case core::ErrorKind::usage:
      return ErrorCode::usage;
    case core::ErrorKind::config:
      return ErrorCode::config;
    case core::ErrorKind::parse:
      return ErrorCode::parse;
    case core::ErrorKind::graph:
      return ErrorCode::graph;
    case core::ErrorKind::resolution:
      return ErrorCode::resolution;
    case core::ErrorKind::unreachable:
      return ErrorCode::unreachable;
    case core::ErrorKind::lock_timeout:
      return ErrorCode::lock_timeout;
    case core::ErrorKind::step_failed:
      return ErrorCode::step_failed;
    case core::ErrorKind::io:
      return ErrorCode::io;
    case core::ErrorKind::drift:
      return ErrorCode::drift;
  }
  return ErrorCode::internal;
}

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::drift:
      return 1;
    case ErrorCode::unreachable:
      return 3;
    case ErrorCode::lock_timeout:
      return 4;
    case ErrorCode::step_failed:
      return 5;
    case ErrorCode::busy:
    case ErrorCode::timeout:
    case ErrorCode::shutting_down:
    case ErrorCode::internal:
      return k_exit_daemon_unavailable;
    case ErrorCode::bad_request:
    case ErrorCode::unknown_command:
    case ErrorCode::forbidden:
    case ErrorCode::too_large:
    case ErrorCode::usage:
    case ErrorCode::config:
    case ErrorCode::parse:
    case ErrorCode::graph:
    case ErrorCode::resolution:
    case ErrorCode::io:
      return 2;
  }
  return 2;
}

nlohmann::json make_error_reply(ErrorCode code, std::string_view message, const json& id) {
  json reply = {
      {"ok", false}, {"error", std::string(message)}, {"code", std::string(to_string(code))}};
  if (!id.is_null()) reply["id"] = id;
  return reply;
}

nlohmann::json make_error_reply(const core::Error& error, const json& id) {
  json reply = make_error_reply(error_code_for(error.kind), error.message, id);
  reply["exit_code"] = core::exit_code_for(error.kind);
  return reply;
}

nlohmann::json make_error_reply(const RequestError& error) {
  return make_error_reply(error.code, error.message, error.id);
}

std::string to_line(const json& message) {
  try {
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    return line;
  } catch (const std::exception&) {
    return R"({"ok":false,"error":"reply could not be serialized","code":"internal"})"
           "\n";
  }
}

std::optional<json> parse_reply_line(std::string_view line) {
  try {
    int deepest = 0;
    json parsed = json::parse(
        line,
        [&deepest](int depth, json::parse_event_t, json&) {
          deepest = std::max(deepest, depth);
          return true;
        },
        false);
    if (parsed.is_discarded() || !parsed.is_object() || deepest > k_max_reply_depth) {
      return std::nullopt;
    }
    return parsed;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool is_final_reply(const json& line) {
  return line.is_object() && line.contains("ok");
}

}  // namespace magent::control
