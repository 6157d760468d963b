// Environment errors name the variable, flag errors name the flag; none shows a password.
#include <gtest/gtest.h>

#include <string>

#include "agent/config/load.hpp"
#include "tests/support/fake_file_reader.hpp"

namespace magent::config {
namespace {

constexpr const char* k_password = "tiger";

test::FakeFileReader secret_files() {
  return test::FakeFileReader({{"/run/secrets/good", "postgresql://app:tiger@db/lms\n"},
                               {"/run/secrets/bad", "postgresql://app:tiger@db:port/lms\n"},
                               {"/run/secrets/blank", " \n"}});
}

std::string error_of(const Overrides& overrides, const Environment& environment) {
  const auto files = secret_files();
  auto config = load_config(overrides, environment, files.reader());
  EXPECT_FALSE(config.ok());
  if (config.ok()) return {};
  EXPECT_EQ(config.error().kind, core::ErrorKind::config);
  EXPECT_EQ(config.error().message.find(k_password), std::string::npos) << config.error().message;
  return config.error().message;
}

struct EnvironmentErrorCase {
  const char* name;
  Environment environment;
  const char* prefix;
  const char* fragment;
};

void PrintTo(const EnvironmentErrorCase& c, std::ostream* out) {
  *out << c.name;
}

class ConfigEnvironmentError : public testing::TestWithParam<EnvironmentErrorCase> {};

TEST_P(ConfigEnvironmentError, NamesTheVariableButNotThePassword) {
  const auto& c = GetParam();
  const std::string message = error_of({}, c.environment);
  EXPECT_EQ(message.rfind(c.prefix, 0), 0U) << message;
  EXPECT_NE(message.find(c.fragment), std::string::npos) << message;
}

const EnvironmentErrorCase k_environment_cases[] = {
    {"auto_migrate_word",
     {{"AUTO_MIGRATE", "maybe"}},
     "environment AUTO_MIGRATE: ",
     "got \"maybe\""},
    {"auto_migrate_number",
     {{"AUTO_MIGRATE", "2"}},
     "environment AUTO_MIGRATE: ",
     "1, true, yes or on"},
    {"now_lms_auto_migrate_word",
     {{"NOW_LMS_AUTO_MIGRATE", "enabled"}},
     "environment NOW_LMS_AUTO_MIGRATE: ",
     "got \"enabled\""},
    {"database_url_scheme",
     {{"DATABASE_URL", "oracle://app:tiger@db/x"}},
     "environment DATABASE_URL: ",
     "unknown database URL scheme"},
    {"database_url_port",
     {{"DATABASE_URL", "postgresql://app:tiger@db:tiger/x"}},
     "environment DATABASE_URL: ",
     "port is not a number"},
    {"database_url_no_separator",
     {{"DATABASE_URL", "app:tiger@db/x"}},
     "environment DATABASE_URL: ",
     "\"://\""},
    {"database_url_and_file",
     {{"DATABASE_URL", "postgresql://app:tiger@db/x"}, {"DATABASE_URL_FILE", "/run/secrets/good"}},
     "environment DATABASE_URL_FILE: ",
     "DATABASE_URL and DATABASE_URL_FILE are both set"},
    {"database_url_file_missing",
     {{"DATABASE_URL_FILE", "/run/secrets/nope"}},
     "environment DATABASE_URL_FILE: ",
     "cannot read \"/run/secrets/nope\""},
    {"database_url_file_bad",
     {{"DATABASE_URL_FILE", "/run/secrets/bad"}},
     "environment DATABASE_URL_FILE: ",
     "secret file \"/run/secrets/bad\": database URL port"},
    {"database_url_file_blank",
     {{"DATABASE_URL_FILE", "/run/secrets/blank"}},
     "environment DATABASE_URL_FILE: ",
     "is empty"},
    {"socket_directory",
     {{"MIGRATION_AGENT_SOCKET", "/run/migration-agent/"}},
     "environment MIGRATION_AGENT_SOCKET: ",
     "directory"},
    {"metrics_listen",
     {{"MIGRATION_AGENT_METRICS_LISTEN", "9464"}},
     "environment MIGRATION_AGENT_METRICS_LISTEN: ",
     "HOST:PORT"},
    {"log_format",
     {{"MIGRATION_AGENT_LOG_FORMAT", "yaml"}},
     "environment MIGRATION_AGENT_LOG_FORMAT: ",
     "\"text\" or \"json\""},
    {"config_missing",
     {{"MIGRATION_AGENT_CONFIG", "/etc/nope.toml"}},
     "environment MIGRATION_AGENT_CONFIG: ",
     "cannot read \"/etc/nope.toml\""},
};

std::string environment_case_name(const testing::TestParamInfo<EnvironmentErrorCase>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(EveryVariable, ConfigEnvironmentError,
                         testing::ValuesIn(k_environment_cases), environment_case_name);

TEST(ConfigFlagError, DatabaseUrlNamesTheFlag) {
  Overrides flags;
  flags.database_url = "postgresql://app:tiger@db";
  const std::string message = error_of(flags, {});
  EXPECT_EQ(message.rfind("flag --database-url: ", 0), 0U) << message;
  EXPECT_NE(message.find("missing the database name"), std::string::npos);
}

TEST(ConfigFlagError, EveryOtherFlagNamesItself) {
  const auto check = [](Overrides flags, const char* prefix, const char* fragment) {
    const std::string message = error_of(flags, {});
    EXPECT_EQ(message.rfind(prefix, 0), 0U) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  };
  Overrides flags;
  flags.metrics_listen = "localhost";
  check(flags, "flag --metrics-listen: ", "HOST:PORT");
  flags = {};
  flags.socket = "/tmp/";
  check(flags, "flag --socket: ", "directory");
  flags = {};
  flags.log_format = "pretty";
  check(flags, "flag --log-format: ", "got \"pretty\"");
  flags = {};
  flags.auto_migrate = "sometimes";
  check(flags, "flag --auto-migrate: ", "got \"sometimes\"");
  flags = {};
  flags.migrations_dir = "";
  check(flags, "flag --migrations-dir: ", "must not be empty");
  flags = {};
  flags.config_file = "";
  check(flags, "flag --config: ", "expected a file path");
  flags = {};
  flags.config_file = "/etc/missing.toml";
  check(flags, "flag --config: ", "cannot read \"/etc/missing.toml\"");
}

TEST(ConfigFlagError, FlagErrorWinsOverNothingButFileErrorsComeFirst) {
  test::FakeFileReader files({{"/c.toml", "[log]\nformat = \"xml\"\n"}});
  Overrides flags;
  flags.config_file = "/c.toml";
  flags.log_format = "yaml";
  auto config = load_config(flags, {}, files.reader());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message.rfind("config /c.toml:2: [log] format:", 0), 0U)
      << config.error().message;
}

TEST(ConfigEnvironmentUrl, PasswordInUrlFileErrorsIsNeverShownEvenRawInTheFile) {
  test::FakeFileReader files({{"/c.toml", "[database]\nurl = \"mysql://app:p@ss:tiger@db\"\n"}});
  Overrides flags;
  flags.config_file = "/c.toml";
  auto config = load_config(flags, {}, files.reader());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message.find("tiger"), std::string::npos) << config.error().message;
  EXPECT_EQ(config.error().message.find("p@ss"), std::string::npos) << config.error().message;
}

}  // namespace
}  // namespace magent::config
