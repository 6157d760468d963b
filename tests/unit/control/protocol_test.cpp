#include "agent/control/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace magent::control {
namespace {

using nlohmann::json;

Request parsed(std::string_view line) {
  ParseResult result = parse_request(line);
  if (const auto* error = std::get_if<RequestError>(&result)) {
    ADD_FAILURE() << "rejected " << line << ": " << error->message;
    return {};
  }
  return std::get<Request>(result);
}

RequestError rejected(std::string_view line) {
  ParseResult result = parse_request(line);
  if (std::holds_alternative<Request>(result)) {
    ADD_FAILURE() << "accepted " << line;
    return {};
  }
  return std::get<RequestError>(result);
}

// A request line that must fail as bad_request with a message containing `needle`.
void expect_bad_request(std::string_view line, std::string_view needle) {
  const RequestError error = rejected(line);
  EXPECT_EQ(error.code, ErrorCode::bad_request) << line;
  EXPECT_NE(error.message.find(needle), std::string::npos)
      << line << " -> " << error.message << " (wanted '" << needle << "')";
}

TEST(ControlProtocol, ParsesEveryReadOnlyCommand) {
  EXPECT_EQ(parsed(R"({"cmd": "status"})").command, Command::status);
  EXPECT_EQ(parsed(R"({"cmd": "history"})").command, Command::history);
  EXPECT_EQ(parsed(R"({"cmd": "check"})").command, Command::check);
  const Request plan = parsed(R"({"cmd": "plan"})");
  EXPECT_EQ(plan.command, Command::plan);
  EXPECT_EQ(plan.target(), "heads");
  EXPECT_EQ(parsed(R"({"cmd": "plan", "target": "ae10+2"})").target(), "ae10+2");
}

TEST(ControlProtocol, ParsesUpgradeWithDefaultAndExplicitTarget) {
  EXPECT_EQ(parsed(R"({"cmd": "upgrade"})").target(), "heads");
  EXPECT_EQ(parsed(R"({"cmd": "upgrade", "target": "20260125_120000"})").target(),
            "20260125_120000");
  EXPECT_EQ(parsed(R"({"cmd": "upgrade", "target": "default@head"})").target(), "default@head");
}

TEST(ControlProtocol, ParsesConfirmedDowngrade) {
  const Request request = parsed(R"({"cmd": "downgrade", "target": "-1", "confirm": true})");
  EXPECT_EQ(request.command, Command::downgrade);
  EXPECT_EQ(request.target(), "-1");
  EXPECT_TRUE(request.confirm);
}

TEST(ControlProtocol, ParsesStampWithOneOrManyTargetsAndPurge) {
  const Request one = parsed(R"({"cmd": "stamp", "target": "base"})");
  EXPECT_EQ(one.targets, std::vector<std::string>{"base"});
  EXPECT_FALSE(one.purge);
  const Request many = parsed(R"({"cmd": "stamp", "target": ["a1", "b2"], "purge": true})");
  EXPECT_EQ(many.targets, (std::vector<std::string>{"a1", "b2"}));
  EXPECT_TRUE(many.purge);
  EXPECT_FALSE(parsed(R"({"cmd": "stamp", "target": "a1", "purge": false})").purge);
}

TEST(ControlProtocol, ParsesCommandsWithoutArguments) {
  EXPECT_EQ(parsed(R"({"cmd": "pause"})").command, Command::pause);
  EXPECT_EQ(parsed(R"({"cmd": "resume"})").command, Command::resume);
  EXPECT_EQ(parsed(R"({"cmd": "reload"})").command, Command::reload);
  EXPECT_TRUE(parsed(R"({"cmd": "reload"})").targets.empty());
}

TEST(ControlProtocol, KeepsStringOrNumberIdAndAllowsCrlf) {
  EXPECT_EQ(parsed(R"({"id": "abc", "cmd": "status"})").id, json("abc"));
  EXPECT_EQ(parsed(R"({"cmd": "status", "id": 42})").id, json(42));
  EXPECT_EQ(parsed(R"({"cmd": "status", "id": 1.5})").id, json(1.5));
  EXPECT_TRUE(parsed(R"({"cmd": "status"})").id.is_null());
  EXPECT_EQ(parsed("{\"cmd\": \"status\"}\r").command, Command::status);
  EXPECT_EQ(parsed("  {\"cmd\":\"status\"}  ").command, Command::status);
}

TEST(ControlProtocol, ClassifiesReadOnlyAndMutatingCommands) {
  for (Command command : {Command::status, Command::history, Command::check, Command::plan}) {
    EXPECT_EQ(access_of(command), Access::read_only) << to_string(command);
  }
  for (Command command : {Command::upgrade, Command::downgrade, Command::stamp, Command::pause,
                          Command::resume, Command::reload}) {
    EXPECT_EQ(access_of(command), Access::mutating) << to_string(command);
  }
}

TEST(ControlProtocol, CommandNamesRoundTripAndAreCaseSensitive) {
  for (std::string_view name : {"status", "history", "check", "plan", "upgrade", "downgrade",
                                "stamp", "pause", "resume", "reload"}) {
    const auto command = command_from_string(name);
    ASSERT_TRUE(command) << name;
    EXPECT_EQ(to_string(*command), name);
  }
  EXPECT_FALSE(command_from_string("Status"));
}

TEST(ControlProtocol, ErrorCodeWireNamesAreStable) {
  const std::vector<std::pair<ErrorCode, std::string_view>> expected = {
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
      {ErrorCode::drift, "drift"}};
  for (const auto& [code, name] : expected) {
    EXPECT_EQ(to_string(code), name);
    EXPECT_EQ(error_code_from_string(name), code);
  }
  EXPECT_FALSE(error_code_from_string("nope"));
}

TEST(ControlProtocol, ErrorCodesMapToMigrationAgentExitCodes) {
  EXPECT_EQ(exit_code_for(ErrorCode::drift), 1);
  EXPECT_EQ(exit_code_for(ErrorCode::bad_request), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::forbidden), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::resolution), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::unreachable), 3);
  EXPECT_EQ(exit_code_for(ErrorCode::lock_timeout), 4);
  EXPECT_EQ(exit_code_for(ErrorCode::step_failed), 5);
  EXPECT_EQ(exit_code_for(ErrorCode::busy), k_exit_daemon_unavailable);
  EXPECT_EQ(exit_code_for(ErrorCode::internal), k_exit_daemon_unavailable);
  for (auto kind :
       {core::ErrorKind::usage, core::ErrorKind::unreachable, core::ErrorKind::lock_timeout,
        core::ErrorKind::step_failed, core::ErrorKind::drift, core::ErrorKind::graph}) {
    EXPECT_EQ(exit_code_for(error_code_for(kind)), core::exit_code_for(kind));
  }
}

TEST(ControlProtocol, RejectsInvalidUtf8AndEmptyLines) {
  expect_bad_request("{\"cmd\": \"status\", \"id\": \"caf\xE9\"}", "UTF-8");
  expect_bad_request("{\"cmd\": \"stat\xC0\xAFus\"}", "UTF-8");
  expect_bad_request("", "empty");
  expect_bad_request("   \t", "empty");
}

TEST(ControlProtocol, RejectsTextThatIsNotOneJsonObject) {
  expect_bad_request("status", "not valid JSON");
  expect_bad_request(R"({"cmd": "status")", "not valid JSON");
  expect_bad_request(R"({"cmd": "status"} x)", "not valid JSON");
  expect_bad_request(R"({"cmd": "status"}{"cmd": "status"})", "not valid JSON");
  expect_bad_request(R"({"cmd": 'status'})", "not valid JSON");
  expect_bad_request(R"(["status"])", "JSON object");
  expect_bad_request(R"("status")", "JSON object");
  expect_bad_request("42", "JSON object");
  expect_bad_request("null", "JSON object");
}

TEST(ControlProtocol, RejectsMissingOrNonStringCommand) {
  expect_bad_request("{}", "missing field \"cmd\"");
  expect_bad_request(R"({"id": 1})", "missing field \"cmd\"");
  expect_bad_request(R"({"cmd": 1})", "\"cmd\" must be a string");
  expect_bad_request(R"({"cmd": ["status"]})", "\"cmd\" must be a string");
  expect_bad_request(R"({"cmd": {"name": "status"}})", "\"cmd\" must be a string");
}

TEST(ControlProtocol, RejectsUnknownCommandAndEchoesId) {
  const RequestError error = rejected(R"({"cmd": "drop_database", "id": "x7"})");
  EXPECT_EQ(error.code, ErrorCode::unknown_command);
  EXPECT_EQ(error.message, "unknown command \"drop_database\"");
  EXPECT_EQ(error.id, json("x7"));
  EXPECT_EQ(rejected(R"({"cmd": "STATUS"})").code, ErrorCode::unknown_command);
}

TEST(ControlProtocol, RejectsUnknownFieldsAndFieldsOfOtherCommands) {
  expect_bad_request(R"({"cmd": "status", "verbose": true})", "unknown field \"verbose\"");
  expect_bad_request(R"({"cmd": "upgrade", "confirm": true})", "unknown field \"confirm\"");
  expect_bad_request(R"({"cmd": "upgrade", "purge": true})", "unknown field \"purge\"");
  expect_bad_request(R"({"cmd": "pause", "target": "heads"})", "unknown field \"target\"");
  expect_bad_request(R"({"cmd": "check", "target": "heads"})", "unknown field \"target\"");
}

TEST(ControlProtocol, RejectsBadIds) {
  for (std::string_view line :
       {R"({"cmd": "status", "id": true})", R"({"cmd": "status", "id": null})",
        R"({"cmd": "status", "id": [1]})", R"({"cmd": "status", "id": {}})"}) {
    const RequestError error = rejected(line);
    EXPECT_EQ(error.code, ErrorCode::bad_request) << line;
    EXPECT_EQ(error.message, "\"id\" must be a string or a number");
    EXPECT_TRUE(error.id.is_null());
  }
}

TEST(ControlProtocol, RejectsDuplicateAndExcessFields) {
  expect_bad_request(R"({"cmd": "status", "cmd": "upgrade"})", "duplicate field \"cmd\"");
  expect_bad_request(R"({"cmd": "upgrade", "target": "a", "target": "b"})", "duplicate field");
  std::string many = R"({"cmd": "status")";
  for (int i = 0; i < 20; ++i) many += ", \"f" + std::to_string(i) + "\": 1";
  expect_bad_request(many + "}", "too many fields");
}

TEST(ControlProtocol, RejectsBadTargets) {
  expect_bad_request(R"({"cmd": "upgrade", "target": 5})", "\"target\" must be a string");
  expect_bad_request(R"({"cmd": "upgrade", "target": ["a"]})", "\"target\" must be a string");
  expect_bad_request(R"({"cmd": "plan", "target": {"rev": "a"}})", "\"target\" must be a string");
  expect_bad_request(R"({"cmd": "upgrade", "target": ""})", "must not be empty");
  expect_bad_request(R"({"cmd": "upgrade", "target": "a b"})", "whitespace");
  expect_bad_request(R"({"cmd": "upgrade", "target": "a\u0000b"})", "control character");
  expect_bad_request(R"({"cmd": "upgrade", "target": "a\nb"})", "control character");
  const std::string long_target(k_max_target_bytes + 1, 'a');
  expect_bad_request(R"({"cmd": "upgrade", "target": ")" + long_target + "\"}", "longer than");
}

TEST(ControlProtocol, DowngradeNeedsTargetAndExplicitConfirmation) {
  expect_bad_request(R"({"cmd": "downgrade", "confirm": true})", "downgrade needs \"target\"");
  expect_bad_request(R"({"cmd": "downgrade", "target": "base"})", "\"confirm\": true");
  expect_bad_request(R"({"cmd": "downgrade", "target": "base", "confirm": false})",
                     "\"confirm\": true");
  expect_bad_request(R"({"cmd": "downgrade", "target": "base", "confirm": "yes"})",
                     "\"confirm\" must be true or false");
  expect_bad_request(R"({"cmd": "downgrade", "target": "base", "confirm": 1})",
                     "\"confirm\" must be true or false");
}

TEST(ControlProtocol, StampNeedsNonEmptyListOfValidTargets) {
  expect_bad_request(R"({"cmd": "stamp"})", "stamp needs \"target\"");
  expect_bad_request(R"({"cmd": "stamp", "target": []})", "empty list");
  expect_bad_request(R"({"cmd": "stamp", "target": ["a", 1]})", "list of strings");
  expect_bad_request(R"({"cmd": "stamp", "target": [["a"]]})", "list of strings");
  expect_bad_request(R"({"cmd": "stamp", "target": [{"a": 1}]})", "list of strings");
  expect_bad_request(R"({"cmd": "stamp", "target": 7})", "list of strings");
  expect_bad_request(R"({"cmd": "stamp", "target": ["a", ""]})", "must not be empty");
  expect_bad_request(R"({"cmd": "stamp", "target": "a", "purge": "yes"})",
                     "\"purge\" must be true or false");
  std::string many = R"({"cmd": "stamp", "target": [)";
  for (std::size_t i = 0; i <= k_max_stamp_targets; ++i)
    many += (i ? ",\"r" : "\"r") + std::to_string(i) + "\"";
  expect_bad_request(many + "]}", "more than");
}

TEST(ControlProtocol, DeeplyNestedInputIsRejectedWithoutRecursion) {
  const std::string deep =
      R"({"cmd": "status", "id": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_bad_request(deep, "\"id\" must be a string or a number");
  expect_bad_request(std::string(100000, '['), "JSON object");
}

TEST(ControlProtocol, QuotesClientTextSafelyInMessages) {
  const RequestError error = rejected(R"({"cmd": "a\u0001\"b"})");
  EXPECT_EQ(error.message, R"(unknown command "a\x01\x22b")");
  const RequestError long_name = rejected("{\"cmd\": \"" + std::string(500, 'x') + "\"}");
  EXPECT_LT(long_name.message.size(), 100u);
  EXPECT_NE(long_name.message.find("..."), std::string::npos);
}

TEST(ControlProtocol, RequestToJsonParsesBackToTheSameRequest) {
  for (std::string_view line :
       {R"({"cmd": "status", "id": 7})", R"({"cmd": "plan", "target": "x"})",
        R"({"cmd": "downgrade", "target": "-1", "confirm": true, "id": "a"})",
        R"({"cmd": "stamp", "target": ["a", "b"], "purge": true})",
        R"({"cmd": "stamp", "target": "a"})", R"({"cmd": "resume"})"}) {
    const Request request = parsed(line);
    const Request again = parsed(request.to_json().dump());
    EXPECT_EQ(again.command, request.command) << line;
    EXPECT_EQ(again.targets, request.targets) << line;
    EXPECT_EQ(again.id, request.id) << line;
    EXPECT_EQ(again.confirm, request.confirm) << line;
    EXPECT_EQ(again.purge, request.purge) << line;
  }
}

TEST(ControlProtocol, ErrorRepliesCarryCodeIdAndExitCode) {
  const json reply = make_error_reply(ErrorCode::forbidden, "no", json(3));
  EXPECT_EQ(reply, json::parse(R"({"ok": false, "error": "no", "code": "forbidden", "id": 3})"));
  EXPECT_FALSE(make_error_reply(ErrorCode::busy, "later").contains("id"));
  const json failed = make_error_reply(core::make_error(core::ErrorKind::lock_timeout, "held"));
  EXPECT_EQ(failed["code"], "lock_timeout");
  EXPECT_EQ(failed["exit_code"], 4);
}

TEST(ControlProtocol, ToLineIsOneLineAndRepairsInvalidUtf8) {
  const std::string line = to_line({{"ok", true}, {"text", "a\nb"}});
  EXPECT_EQ(line, "{\"ok\":true,\"text\":\"a\\nb\"}\n");
  const std::string repaired = to_line({{"ok", true}, {"text", "caf\xE9"}});
  EXPECT_EQ(repaired.back(), '\n');
  EXPECT_FALSE(json::parse(repaired, nullptr, false).is_discarded());
}

TEST(ControlProtocol, ReplyLinesMustBeShallowJsonObjects) {
  EXPECT_TRUE(parse_reply_line(R"({"ok": true, "drift": [{"kind": "behind"}]})"));
  EXPECT_FALSE(parse_reply_line("[1]"));
  EXPECT_FALSE(parse_reply_line("{\"ok\": tru"));
  EXPECT_FALSE(parse_reply_line("{\"ok\": \"caf\xE9\"}"));
  const std::string deep =
      R"({"ok": true, "x": )" + std::string(1000, '[') + std::string(1000, ']') + "}";
  EXPECT_FALSE(parse_reply_line(deep));
}

TEST(ControlProtocol, FinalRepliesAreThoseWithOk) {
  EXPECT_TRUE(is_final_reply(json::parse(R"({"ok": false, "error": "x"})")));
  EXPECT_FALSE(is_final_reply(json::parse(R"({"progress": {"event": "step"}})")));
  EXPECT_FALSE(is_final_reply(json::array()));
}

}  // namespace
}  // namespace magent::control
