// libFuzzer target: one control-socket line, as a request (the server's parser and its
// validation) and as a reply (migrationctl's rendering and exit codes). Any crash, sanitizer
// report or broken invariant (abort) is a bug: nothing a client or daemon sends may break them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "agent/control/authorization.hpp"
#include "agent/control/protocol.hpp"
#include "agent/control/render.hpp"

namespace {

using magent::control::Access;
using magent::control::Command;
using magent::control::ErrorCode;
using magent::control::ParseResult;
using magent::control::Request;
using magent::control::RequestError;

void require(bool condition) {
  if (!condition) std::abort();
}

bool valid_target(const std::string& target) {
  if (target.empty() || target.size() > magent::control::k_max_target_bytes) return false;
  for (const char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

void check_request(const Request& request) {
  require(magent::control::command_from_string(magent::control::to_string(request.command)) ==
          request.command);
  require(request.id.is_null() || request.id.is_string() || request.id.is_number());
  for (const auto& target : request.targets) require(valid_target(target));
  switch (request.command) {
    case Command::plan:
    case Command::upgrade:
      require(request.targets.size() == 1);
      break;
    case Command::downgrade:
      require(request.targets.size() == 1 && request.confirm);
      break;
    case Command::stamp:
      require(!request.targets.empty() &&
              request.targets.size() <= magent::control::k_max_stamp_targets);
      break;
    default:
      require(request.targets.empty() && !request.purge && !request.confirm);
  }
  // What the client would send for this request parses back to the same request.
  const ParseResult again = magent::control::parse_request(request.to_json().dump());
  const Request* same = std::get_if<Request>(&again);
  require(same != nullptr && same->command == request.command && same->targets == request.targets &&
          same->confirm == request.confirm && same->purge == request.purge);

  // Authorization: read-only commands are open; root may do anything; nobody may not mutate.
  magent::config::ControlConfig config;
  const Access access = magent::control::access_of(request.command);
  const magent::control::Peer root{0, 0, 1, {}};
  const magent::control::Peer nobody{65534, 65534, 2, {65534}};
  require(magent::control::authorize(access, root, config) == magent::control::Decision::allowed);
  require((magent::control::authorize(access, nobody, config) ==
           magent::control::Decision::allowed) == (access == Access::read_only));
}

void check_error(const RequestError& error) {
  require(!error.message.empty());
  require(error.code == ErrorCode::bad_request || error.code == ErrorCode::unknown_command);
  require(error.id.is_null() || error.id.is_string() || error.id.is_number());
  // The error reply the server would write is one valid JSON line.
  const std::string line = magent::control::to_line(magent::control::make_error_reply(error));
  require(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1);
  const auto reply =
      magent::control::parse_reply_line(std::string_view(line).substr(0, line.size() - 1));
  require(reply && magent::control::is_final_reply(*reply));
}

void check_as_reply(std::string_view line) {
  const auto reply = magent::control::parse_reply_line(line);
  if (!reply) return;
  for (Command command :
       {Command::status, Command::history, Command::check, Command::plan, Command::upgrade,
        Command::downgrade, Command::stamp, Command::pause, Command::resume, Command::reload}) {
    (void)magent::control::render_reply(command, *reply);
    const int exit_code = magent::control::exit_code_for_reply(command, *reply);
    require(exit_code >= 0 && exit_code <= 125);
  }
  (void)magent::control::render_progress(*reply);
  (void)magent::control::render_error(*reply);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const ParseResult parsed = magent::control::parse_request(line);
  if (const auto* request = std::get_if<Request>(&parsed)) {
    check_request(*request);
  } else {
    check_error(std::get<RequestError>(parsed));
  }
  check_as_reply(line);
  return 0;
}
