#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent/control/protocol.hpp"

// How migrationctl shows the daemon's replies to a person, and which exit code they mean.
// Pure; tolerant of any JSON (missing fields, wrong types) since the peer is another process.
namespace magent::control {

// One progress line as text, e.g. "upgrade 20260125_120000 applied (12 ms)"; "" for a
// line with nothing to show.
std::string render_progress(const nlohmann::json& line);

// A successful final reply of `command` as text (several lines, each ending in "\n").
std::string render_reply(Command command, const nlohmann::json& reply);

// An error reply as one line: "<error> (<code>)".
std::string render_error(const nlohmann::json& reply);

// migrationctl's exit code for a final reply: the reply's "exit_code" when it carries a
// valid one (0-125); else 0 for ok (1 for a check that is not in sync); else by "code"
// (exit_code_for; 2 when the code is missing or unknown).
int exit_code_for_reply(Command command, const nlohmann::json& reply);

}  // namespace magent::control
