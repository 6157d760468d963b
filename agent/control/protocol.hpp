#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/core/result.hpp"

// The control socket's wire protocol (docs/control-protocol.md): one JSON object per line
// each way. Everything here is pure: it parses and builds lines, it does no I/O.
namespace magent::control {

// The commands a client may send, by their "cmd" string.
enum class Command {
  status,
  history,
  check,
  plan,
  upgrade,
  downgrade,
  stamp,
  pause,
  resume,
  reload
};

// Whether a command only reads (open to every peer that can connect) or changes something
// (needs an authorized peer, and is audited).
enum class Access { read_only, mutating };

// The wire name of a command ("status", ...).
std::string_view to_string(Command command);
// The command for a wire name; nullopt for anything else (names are case-sensitive).
std::optional<Command> command_from_string(std::string_view name);
// Read-only: status, history, check, plan. Mutating: the rest.
Access access_of(Command command);

// Why a request failed, as the stable "code" of an error reply. The wire names are the
// enumerator names; they never change meaning (docs/control-protocol.md lists them).
enum class ErrorCode {
  // Protocol and transport: the server answers these itself.
  bad_request,      // not a JSON object, unknown field, wrong type, missing field, bad UTF-8
  unknown_command,  // "cmd" names no command
  forbidden,        // the peer may not run a mutating command
  too_large,        // the line exceeded max_request_bytes; the connection is closed
  busy,             // max_connections reached (connection closed), or a run is in progress
  timeout,          // a request line was not completed within request_timeout; closed
  shutting_down,    // the daemon is stopping and will not run the command
  internal,         // the daemon failed to answer (a bug); the request may not have run
  // The daemon's answer to a well-formed command, one per core::ErrorKind.
  usage,         // a bad argument, e.g. an identifier that is not allowed here
  config,        // the daemon's configuration is wrong
  parse,         // a migration file could not be read or parsed
  graph,         // the revision graph is invalid
  resolution,    // a revision identifier did not resolve, or the plan is impossible
  unreachable,   // the database could not be reached
  lock_timeout,  // the migration lock was not acquired in time
  step_failed,   // a migration step failed
  io,            // local I/O failed in the daemon
  drift,         // the database is not where the files say (check)
};

// The wire name of an error code ("bad_request", ...).
std::string_view to_string(ErrorCode code);
// The error code for a wire name; nullopt for names this version does not know.
std::optional<ErrorCode> error_code_from_string(std::string_view name);
// The error code for a daemon-side failure.
ErrorCode error_code_for(core::ErrorKind kind);
// migrationctl's exit code for an error reply (docs/control-protocol.md, "Exit codes").
int exit_code_for(ErrorCode code);

// Exit code when migrationctl gets no usable answer from the daemon: it cannot connect,
// the connection drops before the final reply, its --timeout expires, or the daemon turns
// the request away (busy, shutting_down, timeout, internal). Distinct from 3 (database
// unreachable) so that scripts can tell a stopped daemon from a database that is down.
inline constexpr int k_exit_daemon_unavailable = 6;

// Longest revision identifier accepted in "target" (Alembic ids are 32 characters at most;
// identifiers like "label@rev+2" add a little).
inline constexpr std::size_t k_max_target_bytes = 255;
// Most identifiers one stamp request may carry.
inline constexpr std::size_t k_max_stamp_targets = 64;
// Deepest JSON nesting a request line may have (an object holding an array is 2).
inline constexpr int k_max_request_depth = 2;

// One parsed, validated request.
struct Request {
  Command command = Command::status;
  // The client's "id" (a string or a number), echoed in every reply line; null if absent.
  nlohmann::json id;
  // plan, upgrade: exactly one, "heads" when the client sent none. downgrade: exactly one.
  // stamp: one or more, in the client's order. Empty for the other commands.
  std::vector<std::string> targets;
  bool confirm = false;  // downgrade: always true (the parser requires it)
  bool purge = false;    // stamp: "purge": true

  // The single target of plan, upgrade or downgrade (asserts there is exactly one).
  const std::string& target() const;
  // This request as the client sends it: {"cmd": ..., ...} without the newline.
  nlohmann::json to_json() const;
};

// A request that could not be parsed or validated.
struct RequestError {
  ErrorCode code = ErrorCode::bad_request;
  std::string message;  // one line, safe to echo (ASCII-escaped where it quotes input)
  nlohmann::json id;    // the request's id when it could be read, else null
};

// parse_request's answer: a Request or why there is none.
using ParseResult = std::variant<Request, RequestError>;

// Parses and validates one request line (without its newline; a trailing "\r" is allowed).
// Never throws; rejects invalid UTF-8, empty lines, non-objects, nesting, duplicate or
// unknown fields, wrong types, missing required fields and unknown commands. The caller
// enforces the byte limit before calling (ErrorCode::too_large).
ParseResult parse_request(std::string_view line);

// {"ok": false, "error": message, "code": code} with "id" when `id` is not null.
nlohmann::json make_error_reply(ErrorCode code, std::string_view message,
                                const nlohmann::json& id = nullptr);
// The error reply for a daemon-side failure; carries "exit_code" for migrationctl.
nlohmann::json make_error_reply(const core::Error& error, const nlohmann::json& id = nullptr);
// The error reply for a RequestError.
nlohmann::json make_error_reply(const RequestError& error);

// Serializes one line: compact JSON and "\n". Never throws: strings that are not valid
// UTF-8 are repaired with U+FFFD rather than failing the reply.
std::string to_line(const nlohmann::json& message);

// Deepest nesting accepted in a line from the daemon (replies are at most 4 deep).
inline constexpr int k_max_reply_depth = 64;

// Parses one line received from the daemon: a JSON object nested at most k_max_reply_depth
// deep (so that rendering it cannot exhaust the stack); nullopt for anything else.
std::optional<nlohmann::json> parse_reply_line(std::string_view line);

// Whether a reply line is the final one of its request ("ok" present) rather than a
// progress line ({"progress": {...}}).
bool is_final_reply(const nlohmann::json& line);

}  // namespace magent::control
