// Every bad value in a config file is one error line naming file:line, [section] key,
// and never the password.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/config/build.hpp"
#include "agent/config/toml_settings.hpp"
#include "tests/support/fake_file_reader.hpp"

namespace magent::config {
namespace {

constexpr const char* k_path = "/etc/migration-agent/migration-agent.toml";
constexpr const char* k_password = "tiger";

struct FileErrorCase {
  const char* name;
  const char* toml;
  int line;
  const char* label;     // "[section] key" as the message must name it
  const char* fragment;  // part of the complaint
};

void PrintTo(const FileErrorCase& c, std::ostream* out) {
  *out << c.name;
}

// Builds the file's settings followed by an environment URL carrying the password, the
// way a deployment has both; the file's error must still be the one reported.
core::Result<Config> build_from_toml(const std::string& toml) {
  auto settings = parse_toml_settings(toml, k_path);
  if (!settings) return settings.error();
  settings->push_back(Setting{"database", "url", string_value("postgresql://app:tiger@db:5432/lms"),
                              Origin{SourceKind::environment, "DATABASE_URL", 0}});
  test::FakeFileReader files({{"/run/secrets/empty", "\n\n"},
                              {"/run/secrets/bad", "oracle://app:tiger@db/lms\n"},
                              {"/run/secrets/good", "postgresql://app:tiger@db/lms\n"}});
  return build_config(*settings, files.reader());
}

class ConfigFileError : public testing::TestWithParam<FileErrorCase> {};

TEST_P(ConfigFileError, NamesFileLineAndKeyButNotThePassword) {
  const FileErrorCase& c = GetParam();
  auto config = build_from_toml(c.toml);
  ASSERT_FALSE(config.ok()) << c.toml;
  const std::string& message = config.error().message;
  EXPECT_EQ(config.error().kind, core::ErrorKind::config);
  const std::string prefix =
      std::string("config ") + k_path + ":" + std::to_string(c.line) + ": " + c.label + ": ";
  EXPECT_EQ(message.rfind(prefix, 0), 0U) << message << "\nwanted prefix: " << prefix;
  EXPECT_NE(message.find(c.fragment), std::string::npos) << message;
  EXPECT_EQ(message.find(k_password), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

const FileErrorCase k_cases[] = {
    // [database]
    {"url_unknown_scheme", "[database]\nurl = \"oracle://app:tiger@h/d\"\n", 2, "[database] url",
     "unknown database URL scheme \"oracle\""},
    {"url_bad_port", "[database]\nurl = \"postgresql://app:tiger@h:99999/lms\"\n", 2,
     "[database] url", "out of range 1..65535"},
    {"url_port_word", "[database]\nurl = \"postgresql://app:tiger@h:tiger/lms\"\n", 2,
     "[database] url", "port is not a number"},
    {"url_missing_database", "[database]\nurl = \"mysql://app:tiger@h\"\n", 2, "[database] url",
     "missing the database name"},
    {"url_missing_separator", "[database]\nurl = \"postgresql:app:tiger@h/d\"\n", 2,
     "[database] url", "\"://\""},
    {"url_not_string", "[database]\nurl = 5\n", 2, "[database] url", "expected a string, got 5"},
    {"url_and_url_file", "[database]\nurl = \"sqlite:///a.db\"\nurl_file = \"/run/secrets/good\"\n",
     3, "[database] url_file", "url and url_file are both set"},
    {"url_file_unreadable", "[database]\nurl_file = \"/run/secrets/missing\"\n", 2,
     "[database] url_file", "cannot read \"/run/secrets/missing\""},
    {"url_file_empty_content", "[database]\nurl_file = \"/run/secrets/empty\"\n", 2,
     "[database] url_file", "is empty"},
    {"url_file_bad_content", "[database]\nurl_file = \"/run/secrets/bad\"\n", 2,
     "[database] url_file", "unknown database URL scheme"},
    {"url_file_empty_path", "[database]\nurl_file = \"\"\n", 2, "[database] url_file",
     "must not be empty"},
    {"lock_url_bad", "[database]\nlock_url = \"postgresql://app:tiger@h:x/d\"\n", 2,
     "[database] lock_url", "port is not a number"},
    {"lock_url_other_engine", "[database]\nlock_url = \"mysql://app:tiger@h/d\"\n", 2,
     "[database] lock_url", "must reach the same server"},
    {"connect_timeout_word", "[database]\nconnect_timeout = \"ten\"\n", 2,
     "[database] connect_timeout", "expected a duration like \"10s\""},
    {"connect_timeout_zero", "[database]\nconnect_timeout = 0\n", 2, "[database] connect_timeout",
     "greater than zero"},
    {"connect_timeout_negative", "[database]\nconnect_timeout = -1\n", 2,
     "[database] connect_timeout", "got -1"},
    {"connect_timeout_float", "[database]\nconnect_timeout = 1.5\n", 2,
     "[database] connect_timeout", "got 1.5"},
    {"connect_timeout_pasted_url", "[database]\nconnect_timeout = \"postgresql://app:tiger@h/d\"\n",
     2, "[database] connect_timeout", "app:***@h"},
    {"wait_timeout_words", "[database]\nwait_timeout = \"5 minutes\"\n", 2,
     "[database] wait_timeout", "expected a duration"},
    {"version_table_dash", "[database]\nversion_table = \"alembic-version\"\n", 2,
     "[database] version_table", "SQL identifier"},
    {"version_table_empty", "[database]\nversion_table = \"\"\n", 2, "[database] version_table",
     "SQL identifier"},
    {"version_table_too_long",
     "[database]\nversion_table = "
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
     2, "[database] version_table", "longer than 63"},
    {"version_table_schema_space", "[database]\nversion_table_schema = \"my schema\"\n", 2,
     "[database] version_table_schema", "SQL identifier"},
    {"version_table_width_zero", "[database]\nversion_table_width = 0\n", 2,
     "[database] version_table_width", "from 1 to 255, got 0"},
    {"version_table_width_big", "[database]\nversion_table_width = 256\n", 2,
     "[database] version_table_width", "got 256"},
    {"version_table_width_string", "[database]\nversion_table_width = \"32\"\n", 2,
     "[database] version_table_width", "got \"32\""},
    {"ledger_table_digit", "[database]\nledger_table = \"1log\"\n", 2, "[database] ledger_table",
     "SQL identifier"},
    {"ledger_table_same_as_version", "[database]\nledger_table = \"alembic_version\"\n", 2,
     "[database] ledger_table", "must be different"},
    // [migrations]
    {"dir_empty", "[migrations]\ndir = \"\"\n", 2, "[migrations] dir", "must not be empty"},
    {"dir_number", "[migrations]\ndir = 5\n", 2, "[migrations] dir", "expected a string"},
    // [apply]
    {"auto_migrate_string", "[apply]\nauto_migrate = \"yes\"\n", 2, "[apply] auto_migrate",
     "expected true or false, got \"yes\""},
    {"lock_timeout_zero", "[apply]\nlock_timeout = \"0s\"\n", 2, "[apply] lock_timeout",
     "greater than zero"},
    {"statement_timeout_unit", "[apply]\nstatement_timeout = \"1x\"\n", 2,
     "[apply] statement_timeout", "expected a duration"},
    {"ddl_lock_timeout_bool", "[apply]\nddl_lock_timeout = true\n", 2, "[apply] ddl_lock_timeout",
     "got true"},
    {"step_retries_negative", "[apply]\nstep_retries = -1\n", 2, "[apply] step_retries",
     "from 0 to 100"},
    {"step_retries_big", "[apply]\nstep_retries = 101\n", 2, "[apply] step_retries", "got 101"},
    {"multiple_heads_word", "[apply]\nmultiple_heads = \"all\"\n", 2, "[apply] multiple_heads",
     "\"upgrade\" or \"hold\""},
    // [daemon]
    {"poll_interval_word", "# comment\n[daemon]\npoll_interval = \"ten\"\n", 3,
     "[daemon] poll_interval", "expected a duration like \"10s\""},
    {"debounce_zero", "[daemon]\ndebounce = 0\n", 2, "[daemon] debounce", "greater than zero"},
    {"rescan_interval_word", "[daemon]\nrescan_interval = \"soon\"\n", 2,
     "[daemon] rescan_interval", "got \"soon\""},
    {"shutdown_grace_zero", "[daemon]\nshutdown_grace = 0\n", 2, "[daemon] shutdown_grace",
     "greater than zero"},
    {"retry_initial_zero", "[daemon]\nretry_initial = \"0s\"\n", 2, "[daemon] retry_initial",
     "greater than zero"},
    {"retry_max_zero", "[daemon]\nretry_max = 0\n", 2, "[daemon] retry_max", "greater than zero"},
    {"retry_max_below_initial", "[daemon]\nretry_initial = \"10m\"\nretry_max = \"1m\"\n", 3,
     "[daemon] retry_max", "must not be shorter than retry_initial"},
    {"retry_initial_above_default_max", "[daemon]\nretry_initial = \"10m\"\n", 2,
     "[daemon] retry_initial", "retry_max (5m)"},
    // [control]
    {"socket_directory", "[control]\nsocket = \"/run/migration-agent/\"\n", 2, "[control] socket",
     "directory"},
    {"socket_too_long",
     "[control]\nsocket = "
     "\"/run/"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaa.sock\"\n",
     2, "[control] socket", "at most 107"},
    {"socket_number", "[control]\nsocket = 5\n", 2, "[control] socket", "expected a string"},
    {"allow_uids_negative", "[control]\nallow_uids = [0, -1]\n", 2, "[control] allow_uids",
     "an element -1"},
    {"allow_uids_not_array", "[control]\nallow_uids = 1000\n", 2, "[control] allow_uids",
     "expected an array"},
    {"allow_uids_float", "[control]\nallow_uids = [1.5]\n", 2, "[control] allow_uids",
     "an element 1.5"},
    {"allow_gids_name", "[control]\nallow_gids = [\"wheel\"]\n", 2, "[control] allow_gids",
     "an element \"wheel\""},
    {"max_request_bytes_small", "[control]\nmax_request_bytes = 10\n", 2,
     "[control] max_request_bytes", "from 1024 to 16777216"},
    {"max_connections_zero", "[control]\nmax_connections = 0\n", 2, "[control] max_connections",
     "from 1 to 4096"},
    {"idle_timeout_zero", "[control]\nidle_timeout = 0\n", 2, "[control] idle_timeout",
     "greater than zero"},
    {"request_timeout_space", "[control]\nrequest_timeout = \"1 s\"\n", 2,
     "[control] request_timeout", "expected a duration"},
    // [metrics]
    {"listen_port_only", "[metrics]\nlisten = \"9464\"\n", 2, "[metrics] listen", "HOST:PORT"},
    {"listen_empty_host", "[metrics]\nlisten = \":9464\"\n", 2, "[metrics] listen", "0.0.0.0:9464"},
    {"listen_bad_port", "[metrics]\nlisten = \"localhost:99999\"\n", 2, "[metrics] listen",
     "from 0 to 65535"},
    {"listen_bare_ipv6", "[metrics]\nlisten = \"::1:9464\"\n", 2, "[metrics] listen", "brackets"},
    // [log]
    {"log_format_xml", "[log]\nformat = \"xml\"\n", 2, "[log] format",
     "\"text\" or \"json\", got \"xml\""},
    {"log_level_verbose", "[log]\nlevel = \"verbose\"\n", 2, "[log] level",
     "trace, debug, info, warn, error"},
    // [runner]
    {"command_unknown_placeholder", "[runner]\ncommand = \"flask db upgrade {revision}\"\n", 2,
     "[runner] command", "unknown placeholder {revision}"},
    {"command_unclosed_brace", "[runner]\ncommand = \"flask db upgrade {target\"\n", 2,
     "[runner] command", "closing"},
    {"downgrade_command_without_target", "[runner]\ndowngrade_command = \"flask db downgrade\"\n",
     2, "[runner] downgrade_command", "{target}"},
    {"runner_env_bad_name", "[runner]\nenv = { \"BAD-NAME\" = \"x\" }\n", 2,
     "[runner] env.BAD-NAME", "environment variable name"},
    {"runner_env_non_string", "[runner.env]\nFLASK_APP = \"now_lms\"\nWORKERS = 4\n", 3,
     "[runner] env.WORKERS", "expected a string, got 4"},
    {"runner_env_not_table", "[runner]\nenv = \"FLASK_APP=now_lms\"\n", 2, "[runner] env",
     "expected a table"},
    {"runner_timeout_zero", "[runner]\ntimeout = 0\n", 2, "[runner] timeout", "greater than zero"},
    {"runner_working_dir_number", "[runner]\nworking_dir = 5\n", 2, "[runner] working_dir",
     "expected a string"},
    // [aliases]
    {"alias_old_id_dash", "[aliases]\n\"old-id\" = \"new_id\"\n", 2, "[aliases] old-id",
     "old revision id"},
    {"alias_new_id_colon", "[aliases]\nold = \"new:id\"\n", 2, "[aliases] old", "got \"new:id\""},
    {"alias_to_itself", "[aliases]\nsame = \"same\"\n", 2, "[aliases] same", "to itself"},
    {"alias_chain", "[aliases]\nb = \"c\"\na = \"b\"\n", 3, "[aliases] a", "is itself aliased"},
    {"alias_not_string", "[aliases]\nold = 5\n", 2, "[aliases] old", "as a string, got 5"},
    {"alias_auto_stamp_string", "[aliases]\nauto_stamp = \"yes\"\n", 2, "[aliases] auto_stamp",
     "expected true or false"},
    // [baseline]
    {"baseline_table_space", "[baseline]\nwhen_table_exists = \"system info\"\n", 2,
     "[baseline] when_table_exists", "SQL identifier"},
    {"baseline_table_bad_schema", "[baseline]\nwhen_table_exists = \"1s.system_info\"\n", 2,
     "[baseline] when_table_exists", "SQL identifier"},
    {"baseline_revision_empty", "[baseline]\nrevision = \"\"\n", 2, "[baseline] revision",
     "must not be empty"},
    {"baseline_revision_space", "[baseline]\nrevision = \"a b\"\n", 2, "[baseline] revision",
     "without spaces"},
    // structure
    {"unknown_section_typo", "[database]\n\n[deamon]\npoll_interval = \"1s\"\n", 3, "[deamon]",
     "unknown section (did you mean [daemon]?)"},
    {"unknown_section_far", "[frobnicate]\nx = 1\n", 1, "[frobnicate]",
     "known sections: database, migrations"},
    {"unknown_key_typo", "[daemon]\npol_interval = \"1s\"\n", 2, "[daemon] pol_interval",
     "unknown key (did you mean poll_interval?)"},
    {"unknown_key_far", "[database]\ncolour = \"blue\"\n", 2, "[database] colour",
     "[database] takes: url, url_file"},
    {"top_level_known_key", "poll_interval = \"1s\"\n", 1, "poll_interval",
     "did you mean [daemon] poll_interval?"},
    {"top_level_unknown_key", "\nfoo = 1\n", 2, "foo", "unknown top-level key"},
    {"section_not_table", "daemon = 5\n", 1, "daemon", "must be a table"},
    {"array_of_tables", "[[daemon]]\npoll_interval = \"1s\"\n", 1, "daemon", "must be a table"},
    {"date_value", "[daemon]\npoll_interval = 1979-05-27\n", 2, "[daemon] poll_interval",
     "a date/time"},
    {"nested_table_in_section", "[daemon.extra]\nx = 1\n", 1, "[daemon] extra", "unknown key"},
};

std::string case_name(const testing::TestParamInfo<FileErrorCase>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(EveryKey, ConfigFileError, testing::ValuesIn(k_cases), case_name);

TEST(ConfigFileSyntax, TomlErrorNamesFileAndLine) {
  auto config = build_from_toml("[daemon]\npoll_interval = \"10s\"\ndebounce = = 3\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message.rfind(std::string("config ") + k_path + ":3: invalid TOML: ", 0),
            0U)
      << config.error().message;
}

TEST(ConfigFileSyntax, UnquotedUrlWithPasswordIsNotEchoed) {
  auto config = build_from_toml("[database]\nurl = postgresql://app:tiger@h/d\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(":2: invalid TOML"), std::string::npos)
      << config.error().message;
  EXPECT_EQ(config.error().message.find(k_password), std::string::npos) << config.error().message;
}

// Found by config_fuzz: toml++ quotes the bad fragment, and a carriage return in it made the
// error two lines.
TEST(ConfigFileSyntax, ControlCharactersInAQuotedFragmentAreEscaped) {
  auto config = build_from_toml(std::string("[apply]\nauto_migrate = tru\r\0e\n", 30));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message.find_first_of(std::string("\r\n\0", 3)), std::string::npos)
      << config.error().message;
  EXPECT_NE(config.error().message.find(":2: invalid TOML"), std::string::npos)
      << config.error().message;
}

TEST(ConfigFileSyntax, DuplicateKeyIsATomlError) {
  auto config = build_from_toml("[daemon]\ndebounce = \"1s\"\ndebounce = \"2s\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(":3: invalid TOML"), std::string::npos)
      << config.error().message;
}

TEST(ConfigFileOrder, FirstBadKeyInFileOrderIsReportedNotAlphabetical) {
  auto config = build_from_toml("[daemon]\nretry_max = \"x\"\ndebounce = \"y\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(":2: [daemon] retry_max:"), std::string::npos)
      << config.error().message;
}

TEST(ConfigFileOrder, UnknownSectionIsReportedOnceAtItsHeader) {
  auto config = build_from_toml("[deamon]\nbad = \"x\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(":1: [deamon]: unknown section"), std::string::npos)
      << config.error().message;
}

}  // namespace
}  // namespace magent::config
