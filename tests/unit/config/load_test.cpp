// Precedence (defaults < file < environment < flags) and what each layer contributes.
#include "agent/config/load.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/fake_file_reader.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::config {
namespace {

using std::chrono::milliseconds;

constexpr const char* k_path = "/etc/migration-agent/migration-agent.toml";

Config loaded(const Overrides& overrides, const Environment& environment,
              const test::FakeFileReader& files) {
  auto config = load_config(overrides, environment, files.reader());
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message);
  return config.ok() ? *config : Config{};
}

Overrides with_config_file() {
  Overrides overrides;
  overrides.config_file = k_path;
  return overrides;
}

TEST(ConfigLoad, NothingGivenMeansBuiltInDefaultsAndNoFileIsRead) {
  test::FakeFileReader files;
  const Config config = loaded({}, {}, files);
  EXPECT_EQ(config, Config{});
  EXPECT_TRUE(files.reads().empty());
  EXPECT_EQ(config.database.url.redacted(), "sqlite:///var/migration-agent.db");
  EXPECT_EQ(config.source, "");
}

TEST(ConfigLoad, FileOverridesDefaults) {
  test::FakeFileReader files(
      {{k_path,
        "[database]\nurl = \"postgresql://app@db/lms\"\n[daemon]\npoll_interval = \"30s\"\n"
        "debounce = 1\n[apply]\nmultiple_heads = \"hold\"\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  EXPECT_EQ(config.database.url.dialect, core::Dialect::postgresql);
  EXPECT_EQ(config.daemon.poll_interval, milliseconds{30'000});
  EXPECT_EQ(config.daemon.debounce, milliseconds{1'000});
  EXPECT_EQ(config.apply.multiple_heads, MultipleHeadsPolicy::hold);
  EXPECT_EQ(config.daemon.retry_max, DaemonConfig{}.retry_max);
  EXPECT_EQ(config.source, k_path);
}

TEST(ConfigLoad, FlagOverridesEnvironmentOverridesFile) {
  test::FakeFileReader files(
      {{k_path,
        "[database]\nurl = \"sqlite:///file.db\"\n[migrations]\ndir = \"file-migrations\"\n"
        "[control]\nsocket = \"/run/file.sock\"\n[metrics]\nlisten = \"127.0.0.1:1\"\n"
        "[log]\nformat = \"text\"\n[apply]\nauto_migrate = false\n"}});
  const Environment environment{{"DATABASE_URL", "sqlite:///env.db"},
                                {"MIGRATIONS_DIR", "env-migrations"},
                                {"MIGRATION_AGENT_SOCKET", "/run/env.sock"},
                                {"MIGRATION_AGENT_METRICS_LISTEN", "127.0.0.1:2"},
                                {"MIGRATION_AGENT_LOG_FORMAT", "json"},
                                {"AUTO_MIGRATE", "yes"}};
  const Config from_env = loaded(with_config_file(), environment, files);
  EXPECT_EQ(from_env.database.url.database, "env.db");
  EXPECT_EQ(from_env.migrations.dir, "env-migrations");
  EXPECT_EQ(from_env.control.socket, "/run/env.sock");
  EXPECT_EQ(from_env.metrics.listen, "127.0.0.1:2");
  EXPECT_EQ(from_env.log.format, LogFormat::json);
  EXPECT_TRUE(from_env.apply.auto_migrate);

  Overrides flags = with_config_file();
  flags.database_url = "sqlite:///flag.db";
  flags.migrations_dir = "flag-migrations";
  flags.socket = "/run/flag.sock";
  flags.metrics_listen = "127.0.0.1:3";
  flags.log_format = "text";
  flags.auto_migrate = "off";
  const Config from_flags = loaded(flags, environment, files);
  EXPECT_EQ(from_flags.database.url.database, "flag.db");
  EXPECT_EQ(from_flags.migrations.dir, "flag-migrations");
  EXPECT_EQ(from_flags.control.socket, "/run/flag.sock");
  EXPECT_EQ(from_flags.metrics.listen, "127.0.0.1:3");
  EXPECT_EQ(from_flags.log.format, LogFormat::text);
  EXPECT_FALSE(from_flags.apply.auto_migrate);
}

TEST(ConfigLoad, ConfigFlagBeatsConfigEnvironmentVariable) {
  test::FakeFileReader files(
      {{"/a.toml", "[migrations]\ndir = \"a\"\n"}, {"/b.toml", "[migrations]\ndir = \"b\"\n"}});
  Overrides flags;
  flags.config_file = "/a.toml";
  EXPECT_EQ(loaded(flags, {{"MIGRATION_AGENT_CONFIG", "/b.toml"}}, files).migrations.dir, "a");
  EXPECT_EQ(loaded({}, {{"MIGRATION_AGENT_CONFIG", "/b.toml"}}, files).migrations.dir, "b");
  EXPECT_EQ(files.reads(), (std::vector<std::string>{"/a.toml", "/b.toml"}));
}

TEST(ConfigLoad, EmptyConfigVariableMeansNoFile) {
  test::FakeFileReader files;
  EXPECT_EQ(loaded({}, {{"MIGRATION_AGENT_CONFIG", ""}}, files), Config{});
  EXPECT_TRUE(files.reads().empty());
}

TEST(ConfigLoad, AutoMigrateWinsOverNowLmsAutoMigrate) {
  test::FakeFileReader files;
  EXPECT_FALSE(
      loaded({}, {{"AUTO_MIGRATE", "0"}, {"NOW_LMS_AUTO_MIGRATE", "1"}}, files).apply.auto_migrate);
  EXPECT_TRUE(loaded({}, {{"AUTO_MIGRATE", "on"}, {"NOW_LMS_AUTO_MIGRATE", "0"}}, files)
                  .apply.auto_migrate);
  // Set but empty is "off", and still wins.
  EXPECT_FALSE(
      loaded({}, {{"AUTO_MIGRATE", ""}, {"NOW_LMS_AUTO_MIGRATE", "1"}}, files).apply.auto_migrate);
  // When AUTO_MIGRATE is set, a value NOW LMS would accept but we do not is ignored.
  EXPECT_TRUE(loaded({}, {{"AUTO_MIGRATE", "1"}, {"NOW_LMS_AUTO_MIGRATE", "garbage"}}, files)
                  .apply.auto_migrate);
}

TEST(ConfigLoad, NowLmsAutoMigrateIsReadLikeNowLmsReadsIt) {
  test::FakeFileReader files;
  for (const char* on : {"1", "true", "YES", " on ", "development", "dev"}) {
    EXPECT_TRUE(loaded({}, {{"NOW_LMS_AUTO_MIGRATE", on}}, files).apply.auto_migrate) << on;
  }
  for (const char* off : {"0", "false", "no", "OFF", ""}) {
    EXPECT_FALSE(loaded({}, {{"NOW_LMS_AUTO_MIGRATE", off}}, files).apply.auto_migrate) << off;
  }
}

TEST(ConfigLoad, EnvironmentAutoMigrateOverridesFileTrue) {
  test::FakeFileReader files({{k_path, "[apply]\nauto_migrate = true\n"}});
  EXPECT_TRUE(loaded(with_config_file(), {}, files).apply.auto_migrate);
  EXPECT_FALSE(loaded(with_config_file(), {{"AUTO_MIGRATE", "false"}}, files).apply.auto_migrate);
}

TEST(ConfigLoad, DatabaseUrlFileIsReadAndTrailingNewlineTrimmed) {
  test::FakeFileReader files({{"/run/secrets/db", "postgresql://app:tiger@db:5432/lms\n\n"}});
  const Config config = loaded({}, {{"DATABASE_URL_FILE", "/run/secrets/db"}}, files);
  EXPECT_EQ(config.database.url.password, "tiger");
  EXPECT_EQ(config.database.url.database, "lms");
  EXPECT_EQ(config.database.url_file, "/run/secrets/db");
}

TEST(ConfigLoad, UrlFileInTheConfigFileIsReadThroughTheReader) {
  test::FakeFileReader files({{k_path, "[database]\nurl_file = \"secrets/db-url\"\n"},
                              {"secrets/db-url", "mysql://app:tiger@db/shop\r\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  EXPECT_EQ(config.database.url.dialect, core::Dialect::mysql);
  EXPECT_EQ(config.database.url_file, "secrets/db-url");
}

TEST(ConfigLoad, EnvironmentUrlReplacesFileUrlFileWithoutConflict) {
  test::FakeFileReader files({{k_path, "[database]\nurl_file = \"/run/secrets/db\"\n"},
                              {"/run/secrets/db", "postgresql://a@h/d\n"}});
  const Config config = loaded(with_config_file(), {{"DATABASE_URL", "sqlite:///env.db"}}, files);
  EXPECT_EQ(config.database.url.database, "env.db");
  EXPECT_EQ(config.database.url_file, "");
}

TEST(ConfigLoad, EmptyDatabaseUrlAndDirVariablesCountAsUnset) {
  test::FakeFileReader files;
  const Config config = loaded({},
                               {{"DATABASE_URL", ""},
                                {"DATABASE_URL_FILE", ""},
                                {"MIGRATIONS_DIR", ""},
                                {"MIGRATION_AGENT_LOG_FORMAT", ""}},
                               files);
  EXPECT_EQ(config, Config{});
}

TEST(ConfigLoad, EmptySocketAndListenVariablesDisableTheEndpoints) {
  test::FakeFileReader files;
  const Config config =
      loaded({}, {{"MIGRATION_AGENT_SOCKET", ""}, {"MIGRATION_AGENT_METRICS_LISTEN", ""}}, files);
  EXPECT_EQ(config.control.socket, "");
  EXPECT_EQ(config.metrics.listen, "");
}

TEST(ConfigLoad, EveryDurationSpelling) {
  test::FakeFileReader files(
      {{k_path,
        "[daemon]\npoll_interval = \"300ms\"\ndebounce = 2\nrescan_interval = \"1m30s\"\n"
        "shutdown_grace = \"1h\"\nretry_initial = \"5m\"\nretry_max = \"1h30m\"\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  EXPECT_EQ(config.daemon.poll_interval, milliseconds{300});
  EXPECT_EQ(config.daemon.debounce, milliseconds{2'000});
  EXPECT_EQ(config.daemon.rescan_interval, milliseconds{90'000});
  EXPECT_EQ(config.daemon.shutdown_grace, milliseconds{3'600'000});
  EXPECT_EQ(config.daemon.retry_max, milliseconds{5'400'000});
}

TEST(ConfigLoad, ZeroMeansNoneWhereDocumented) {
  test::FakeFileReader files(
      {{k_path,
        "[database]\nwait_timeout = 0\n[apply]\nstatement_timeout = \"0s\"\nddl_lock_timeout = 0\n"
        "[daemon]\nrescan_interval = 0\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  EXPECT_EQ(config.daemon.rescan_interval, milliseconds{0});
  EXPECT_EQ(config.apply.statement_timeout, milliseconds{0});
  test::FakeFileReader as_string({{k_path, "[daemon]\nrescan_interval = \"0\"\n"}});
  EXPECT_EQ(loaded(with_config_file(), {}, as_string).daemon.rescan_interval, milliseconds{0});
}

TEST(ConfigLoad, ControlRunnerAliasesAndBaselineTables) {
  test::FakeFileReader files(
      {{k_path,
        "[control]\nallow_uids = [0, 1000]\nallow_gids = [27]\nmax_request_bytes = 2048\n"
        "[runner]\ncommand = \"flask --app now_lms db upgrade {target}\"\n"
        "downgrade_command = \"flask --app now_lms db downgrade {target}\"\n"
        "working_dir = \"/srv/app\"\ntimeout = \"15m\"\n"
        "[runner.env]\nFLASK_APP = \"now_lms\"\n"
        "[aliases]\nauto_stamp = true\n\"add_user_phone\" = \"20260125_120000\"\n"
        "[baseline]\nwhen_table_exists = \"public.system_info\"\nrevision = \"20260101_000000\"\n"
        "[log]\nlevel = \"DEBUG\"\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  EXPECT_EQ(config.control.allow_uids, (std::vector<unsigned>{0, 1000}));
  EXPECT_EQ(config.control.allow_gids, (std::vector<unsigned>{27}));
  EXPECT_EQ(config.control.max_request_bytes, 2048U);
  EXPECT_EQ(config.runner.env.at("FLASK_APP"), "now_lms");
  EXPECT_EQ(config.runner.timeout, milliseconds{900'000});
  EXPECT_TRUE(config.aliases.auto_stamp);
  EXPECT_EQ(config.aliases.renamed.at("add_user_phone"), "20260125_120000");
  EXPECT_EQ(config.baseline.when_table_exists, "public.system_info");
  EXPECT_EQ(config.baseline.revision, "20260101_000000");
  EXPECT_EQ(config.log.level, "debug");
}

TEST(ConfigLoad, DottedKeysAndInlineTablesWorkLikeSections) {
  test::FakeFileReader files(
      {{k_path, "daemon.poll_interval = \"1s\"\nrunner = { timeout = 5 }\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  EXPECT_EQ(config.daemon.poll_interval, milliseconds{1'000});
  EXPECT_EQ(config.runner.timeout, milliseconds{5'000});
}

TEST(ConfigLoad, PostgresLockUrlForPgBouncer) {
  test::FakeFileReader files({{k_path,
                               "[database]\nurl = \"postgresql://app@pgbouncer:6432/lms\"\n"
                               "lock_url = \"postgresql://app@db-primary:5432/lms\"\n"}});
  const Config config = loaded(with_config_file(), {}, files);
  ASSERT_TRUE(config.database.lock_url.has_value());
  EXPECT_EQ(config.database.lock_url->host, "db-primary");
}

TEST(ConfigLoad, BadFileValueIsAnErrorEvenWhenTheEnvironmentOverridesIt) {
  test::FakeFileReader files({{k_path, "[migrations]\ndir = 5\n"}});
  auto config = load_config(with_config_file(), {{"MIGRATIONS_DIR", "m"}}, files.reader());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(":2: [migrations] dir:"), std::string::npos);
}

TEST(CurrentEnvironment, CollectsOnlyTheVariablesTheAgentReads) {
  ::setenv("MIGRATIONS_DIR", "/tmp/from-env", 1);
  ::setenv("MAGENT_UNRELATED_SECRET", "x", 1);
  const Environment environment = current_environment();
  ::unsetenv("MIGRATIONS_DIR");
  ::unsetenv("MAGENT_UNRELATED_SECRET");
  EXPECT_EQ(environment.at("MIGRATIONS_DIR"), "/tmp/from-env");
  EXPECT_EQ(environment.count("MAGENT_UNRELATED_SECRET"), 0U);
}

TEST(ReadTextFile, ReadsARealFileAndExplainsFailures) {
  test::TempDir dir;
  const auto path = dir.write("agent.toml", "[log]\nlevel = \"warn\"\n").string();
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "[log]\nlevel = \"warn\"\n");

  auto missing = read_text_file((dir.path() / "missing.toml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("No such file or directory"), std::string::npos);
  auto directory = read_text_file(dir.path().string());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);
}

TEST(ReadTextFile, RealReaderWorksWithLoadConfig) {
  test::TempDir dir;
  const auto path = dir.write("agent.toml", "[log]\nlevel = \"warn\"\n").string();
  Overrides flags;
  flags.config_file = path;
  auto config = load_config(flags, {}, read_text_file);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->log.level, "warn");
}

}  // namespace
}  // namespace magent::config
