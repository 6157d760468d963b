#include "agent/config/values.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace magent::config {
namespace {

using std::chrono::milliseconds;

Value integer_value(std::int64_t number) {
  Value value;
  value.type = Value::Type::integer;
  value.integer = number;
  return value;
}

std::string error_of(const core::Result<void>& result) {
  return result.ok() ? "" : result.error().message;
}

TEST(Duration, UnitsAndCombinations) {
  EXPECT_EQ(*parse_duration("300ms"), milliseconds{300});
  EXPECT_EQ(*parse_duration("10s"), milliseconds{10'000});
  EXPECT_EQ(*parse_duration("5m"), milliseconds{300'000});
  EXPECT_EQ(*parse_duration("1h"), milliseconds{3'600'000});
  EXPECT_EQ(*parse_duration("1m30s"), milliseconds{90'000});
  EXPECT_EQ(*parse_duration("1h2m3s4ms"), milliseconds{3'723'004});
  EXPECT_EQ(*parse_duration("0s"), milliseconds{0});
  EXPECT_EQ(*parse_duration("0"), milliseconds{0});  // zero needs no unit; "10" does
}

TEST(Duration, RejectsWordsMissingUnitsAndSigns) {
  for (const char* text : {"ten", "", "10", "10 s", "s", "-5s", "1.5s", "10S", "1d", "5mss"}) {
    auto parsed = parse_duration(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().message.find(R"(expected a duration like "10s")"), std::string::npos)
        << parsed.error().message;
  }
}

TEST(Duration, RejectsAbsurdlyLongValuesWithoutOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999999999h").ok());
  EXPECT_FALSE(parse_duration("9000h").ok());
  EXPECT_TRUE(parse_duration("8000h").ok());
}

TEST(Duration, IntegerMeansSecondsAndZeroRuleApplies) {
  EXPECT_EQ(*duration_from(integer_value(10), ZeroIs::rejected), milliseconds{10'000});
  EXPECT_EQ(*duration_from(integer_value(0), ZeroIs::allowed), milliseconds{0});
  auto zero = duration_from(integer_value(0), ZeroIs::rejected);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("greater than zero"), std::string::npos);
  EXPECT_FALSE(duration_from(integer_value(-1), ZeroIs::allowed).ok());
  EXPECT_FALSE(duration_from(string_value("0ms"), ZeroIs::rejected).ok());
  EXPECT_FALSE(duration_from(string_value("0"), ZeroIs::rejected).ok());
  EXPECT_EQ(*duration_from(string_value("0"), ZeroIs::allowed), milliseconds{0});
}

TEST(Duration, FormatIsTheShortestRoundTrip) {
  for (const auto& [ms, text] :
       std::array<std::pair<std::int64_t, const char*>, 6>{{{0, "0s"},
                                                            {300, "300ms"},
                                                            {10'000, "10s"},
                                                            {90'000, "1m30s"},
                                                            {3'600'000, "1h"},
                                                            {3'661'001, "1h1m1s1ms"}}}) {
    EXPECT_EQ(format_duration(milliseconds{ms}), text);
    EXPECT_EQ(*parse_duration(text), milliseconds{ms});
  }
}

TEST(Switch, TruthyAndFalsyWordsInAnyCaseWithSpaces) {
  for (const char* on : {"1", "true", "TRUE", "Yes", "on", " On ", "\tyes\n"}) {
    EXPECT_EQ(parse_switch(on, SwitchWords::standard), std::optional<bool>(true)) << on;
  }
  for (const char* off : {"0", "false", "False", "NO", "off", "", "  "}) {
    EXPECT_EQ(parse_switch(off, SwitchWords::standard), std::optional<bool>(false)) << off;
  }
  for (const char* bad : {"2", "enabled", "y", "maybe", "dev"}) {
    EXPECT_EQ(parse_switch(bad, SwitchWords::standard), std::nullopt) << bad;
  }
}

TEST(Switch, NowLmsAlsoTreatsDevelopmentAsOn) {
  EXPECT_EQ(parse_switch("development", SwitchWords::now_lms), std::optional<bool>(true));
  EXPECT_EQ(parse_switch("DEV", SwitchWords::now_lms), std::optional<bool>(true));
  EXPECT_EQ(parse_switch("enabled", SwitchWords::now_lms), std::nullopt);
}

TEST(Boolean, FileNeedsTomlBooleansEnvironmentTakesWords) {
  const Origin file{SourceKind::file, "/etc/x.toml", 3};
  const Origin environment{SourceKind::environment, "AUTO_MIGRATE", 0};
  EXPECT_FALSE(boolean_from(string_value("yes"), file).ok());
  EXPECT_TRUE(*boolean_from(string_value("yes"), environment));
  Value toml_true;
  toml_true.type = Value::Type::boolean;
  toml_true.boolean = true;
  EXPECT_TRUE(*boolean_from(toml_true, file));
}

TEST(Identifier, AcceptsSqlNamesRejectsOthers) {
  for (const char* good : {"alembic_version", "_x", "Log$2", "a"})
    EXPECT_TRUE(check_identifier(good).ok()) << good;
  for (const char* bad : {"", "1log", "my-table", "my table", "a.b", "tbl;drop"}) {
    EXPECT_NE(error_of(check_identifier(bad)).find("SQL identifier"), std::string::npos) << bad;
  }
  EXPECT_NE(error_of(check_identifier(std::string(64, 'a'))).find("63"), std::string::npos);
  EXPECT_TRUE(check_identifier(std::string(63, 'a')).ok());
}

TEST(ListenAddress, HostPortIpv6AndEmpty) {
  for (const char* good : {"", "127.0.0.1:9464", "0.0.0.0:9464", "localhost:80", "[::1]:9464",
                           "[::]:0", "metrics-host:9464"}) {
    EXPECT_TRUE(check_listen_address(good).ok()) << good;
  }
  for (const char* bad : {"9464", "localhost", ":9464", "host:", "host:99999", "host:port",
                          "[::1]9464", "[::1]", "[]:80", "a b:80", "host:-1"}) {
    EXPECT_NE(error_of(check_listen_address(bad)).find("HOST:PORT"), std::string::npos) << bad;
  }
  EXPECT_NE(error_of(check_listen_address("::1:9464")).find("brackets"), std::string::npos);
}

TEST(SocketPath, EmptyDisablesLongOrDirectoryPathsAreErrors) {
  EXPECT_TRUE(check_socket_path("").ok());
  EXPECT_TRUE(check_socket_path("/run/migration-agent/control.sock").ok());
  EXPECT_TRUE(check_socket_path("control.sock").ok());
  EXPECT_TRUE(check_socket_path("/" + std::string(106, 'x')).ok());
  EXPECT_NE(error_of(check_socket_path("/" + std::string(107, 'x'))).find("at most 107"),
            std::string::npos);
  EXPECT_NE(error_of(check_socket_path("/run/migration-agent/")).find("directory"),
            std::string::npos);
  EXPECT_NE(error_of(check_socket_path(std::string("a\0b", 3))).find("NUL"), std::string::npos);
}

TEST(RevisionId, ForbidsAlembicOperatorCharacters) {
  for (const char* good : {"20260125_120000", "ae1027a6acf", "add_user_phone"}) {
    EXPECT_TRUE(check_revision_id(good).ok()) << good;
  }
  for (const char* bad : {"", "a@head", "a-1", "a+1", "a:b", "a,b", "a b", "a\tb"}) {
    EXPECT_FALSE(check_revision_id(bad).ok()) << bad;
  }
}

TEST(CommandPlaceholders, TargetIsTheOnlyPlaceholderShellVariablesPass) {
  EXPECT_TRUE(
      check_command_placeholders("flask db upgrade {target}", TargetPlaceholder::required).ok());
  EXPECT_TRUE(
      check_command_placeholders("lmsctl database migrate", TargetPlaceholder::optional).ok());
  EXPECT_TRUE(check_command_placeholders("cd ${APP_DIR} && flask db upgrade {target}",
                                         TargetPlaceholder::required)
                  .ok());
  EXPECT_NE(error_of(check_command_placeholders("flask db downgrade", TargetPlaceholder::required))
                .find("{target}"),
            std::string::npos);
  EXPECT_NE(error_of(check_command_placeholders("up {revision}", TargetPlaceholder::optional))
                .find("{revision}"),
            std::string::npos);
  EXPECT_NE(error_of(check_command_placeholders("up {target", TargetPlaceholder::optional))
                .find("closing"),
            std::string::npos);
}

TEST(Enums, LogFormatHeadsPolicyAndLevelAnyCase) {
  EXPECT_EQ(*log_format_from("JSON"), LogFormat::json);
  EXPECT_EQ(*log_format_from("text"), LogFormat::text);
  EXPECT_FALSE(log_format_from("xml").ok());
  EXPECT_EQ(*multiple_heads_from("Hold"), MultipleHeadsPolicy::hold);
  EXPECT_EQ(*multiple_heads_from("upgrade"), MultipleHeadsPolicy::upgrade_all);
  EXPECT_FALSE(multiple_heads_from("all").ok());
  EXPECT_EQ(*log_level_from("WARN"), "warn");
  EXPECT_FALSE(log_level_from("warning").ok());
}

TEST(NearestWord, SuggestsTyposOnly) {
  const std::array<std::string_view, 3> keys{"poll_interval", "debounce", "retry_max"};
  EXPECT_EQ(nearest_word("pol_interval", keys), "poll_interval");
  EXPECT_EQ(nearest_word("debonuce", keys), "debounce");
  EXPECT_EQ(nearest_word("colour", keys), "");
  const std::array<std::string_view, 2> sections{"daemon", "database"};
  EXPECT_EQ(nearest_word("deamon", sections), "daemon");
}

TEST(DescribeValue, MasksCredentialsShortensAndKeepsOneLine) {
  EXPECT_EQ(describe_value(string_value("postgresql://app:tiger@h/d")),
            "\"postgresql://app:***@h/d\"");
  const std::string shown = describe_value(string_value(std::string(100, 'x')));
  EXPECT_LE(shown.size(), 62U);
  EXPECT_EQ(describe_value(string_value("a\nb")), "\"a?b\"");
  EXPECT_EQ(describe_value(integer_value(-3)), "-3");
}

TEST(MaskUrlCredentials, EveryUrlInTextIsMasked) {
  EXPECT_EQ(mask_url_credentials("use mysql://u:p%40ss@h/d or postgres://x:y@z/w"),
            "use mysql://u:***@h/d or postgres://x:***@z/w");
  EXPECT_EQ(mask_url_credentials("sqlite:///a.db and http://host/path"),
            "sqlite:///a.db and http://host/path");
}

}  // namespace
}  // namespace magent::config
