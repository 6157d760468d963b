// config/migration-agent.toml and docs/configuration.md stay in step with the code.
#include <gtest/gtest.h>

#include <string>

#include "agent/config/build.hpp"
#include "agent/config/describe.hpp"
#include "agent/config/load.hpp"
#include "agent/config/toml_settings.hpp"
#include "agent/core/database_url.hpp"
#include "tests/support/fake_file_reader.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::config {
namespace {

const std::string k_default_file = std::string(MAGENT_SOURCE_DIR) + "/config/migration-agent.toml";
const std::string k_reference = std::string(MAGENT_SOURCE_DIR) + "/docs/configuration.md";

std::string read_or_fail(const std::string& path) {
  auto text = read_text_file(path);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  return text.ok() ? *text : std::string{};
}

TEST(DefaultConfigFile, ParsesAndEqualsTheBuiltInDefaults) {
  Overrides flags;
  flags.config_file = k_default_file;
  auto config = load_config(flags, {}, read_text_file);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->source, k_default_file);
  config->source.clear();
  EXPECT_EQ(*config, Config{});
}

TEST(DefaultConfigFile, ListsEveryKnownKeyInItsSection) {
  const std::string text = read_or_fail(k_default_file);
  for (const std::string& dotted : known_keys()) {
    const auto dot = dotted.find('.');
    const std::string section = "[" + dotted.substr(0, dot) + "]";
    const std::string key = dotted.substr(dot + 1);
    const auto section_at = text.find("\n" + section + "\n");
    ASSERT_NE(section_at, std::string::npos) << section;
    const auto next_section = text.find("\n[", section_at + 1);
    const std::string body = text.substr(section_at, next_section - section_at);
    const bool present =
        body.find("\n" + key + " = ") != std::string::npos ||
        body.find("\n# " + key + " = ") != std::string::npos ||
        body.find("\n# [" + dotted.substr(0, dot) + "." + key + "]") != std::string::npos;
    EXPECT_TRUE(present) << dotted << " is not documented in config/migration-agent.toml";
  }
}

TEST(DefaultConfigFile, CommentedExamplesAreValidWhenUncommented) {
  std::string text = read_or_fail(k_default_file);
  // Uncomment "# key = value" and "# [table]" lines; the result must still load.
  std::string uncommented;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    if (line.rfind("# ", 0) == 0) {
      const std::string body = line.substr(2);
      const auto equals = body.find(" = ");
      const bool assignment = equals != std::string::npos && equals > 0 &&
                              body.substr(0, equals).find(' ') == std::string::npos;
      const bool header = body.size() > 2 && body.front() == '[' && body.back() == ']' &&
                          body.find(' ') == std::string::npos;
      if (assignment || header) line = body;
    }
    uncommented += line + "\n";
    start = end + 1;
  }
  test::FakeFileReader files({{"/run/secrets/database-url", "postgresql://app:pw@db/lms\n"}});
  auto settings = parse_toml_settings(uncommented, "uncommented.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  // url and url_file are both shown; keep only url_file, as an operator would.
  std::erase_if(*settings,
                [](const Setting& s) { return s.section == "database" && s.key == "url"; });
  auto config = build_config(*settings, files.reader());
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->runner.command, "flask --app now_lms db upgrade {target}");
  EXPECT_EQ(config->aliases.renamed.at("add_user_phone"), "20260125_120000");
  EXPECT_EQ(config->runner.env.at("FLASK_APP"), "now_lms");
  EXPECT_EQ(config->database.url.dialect, core::Dialect::postgresql);
}

TEST(DefaultConfigFile, EmbeddedDefaultUrlIsWhatTheParserReads) {
  auto url = core::parse_database_url(k_default_database_url);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, default_database_url());
}

TEST(ConfigurationReference, DocumentsEveryKeyAndEnvironmentVariable) {
  const std::string text = read_or_fail(k_reference);
  for (const std::string& dotted : known_keys()) {
    const std::string key = dotted.substr(dotted.find('.') + 1);
    EXPECT_NE(text.find("`" + key + "`"), std::string::npos)
        << dotted << " missing from docs/configuration.md";
  }
  for (const std::string_view name :
       {env::k_config, env::k_database_url, env::k_database_url_file, env::k_migrations_dir,
        env::k_auto_migrate, env::k_now_lms_auto_migrate, env::k_socket, env::k_metrics_listen,
        env::k_log_format}) {
    EXPECT_NE(text.find("`" + std::string(name) + "`"), std::string::npos) << name;
  }
  for (const char* flag : {"--config", "--database-url", "--migrations-dir", "--socket",
                           "--metrics-listen", "--log-format", "--auto-migrate"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

TEST(Describe, DefaultsPrintAsTomlThatLoadsBackToTheDefaults) {
  const std::string text = describe(Config{});
  auto settings = parse_toml_settings(text, "described.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().message << "\n" << text;
  test::FakeFileReader files;
  auto config = build_config(*settings, files.reader());
  ASSERT_TRUE(config.ok()) << config.error().message << "\n" << text;
  EXPECT_EQ(*config, Config{});
}

TEST(Describe, NonDefaultValuesRoundTrip) {
  test::FakeFileReader files(
      {{"/c.toml",
        "[database]\nurl = \"postgresql://app@[::1]:5433/lms?sslmode=require\"\n"
        "version_table_schema = \"ops\"\n[daemon]\npoll_interval = \"1m30s\"\ndebounce = "
        "\"250ms\"\n"
        "[control]\nallow_uids = [0, 1000]\nsocket = \"\"\n[log]\nformat = \"json\"\n"
        "[runner]\ncommand = \"say \\\"{target}\\\"\"\nenv = { A = \"1\", B = \"two\" }\n"
        "[aliases]\nauto_stamp = true\nold_id = \"new_id\"\n[apply]\nmultiple_heads = "
        "\"hold\"\n"}});
  Overrides flags;
  flags.config_file = "/c.toml";
  auto first = load_config(flags, {}, files.reader());
  ASSERT_TRUE(first.ok()) << first.error().message;
  first->source.clear();
  auto settings = parse_toml_settings(describe(*first), "described.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().message << "\n" << describe(*first);
  auto second = build_config(*settings, files.reader());
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, *first) << describe(*first);
}

TEST(Describe, NeverShowsThePassword) {
  test::FakeFileReader files(
      {{"/c.toml",
        "[database]\nurl = \"postgresql://app:tiger%40x@db/lms\"\n"
        "lock_url = \"postgresql://app:lion@primary/lms\"\n"
        "[runner]\ncommand = \"PGPASSWORD=tiger@x flask db upgrade {target}\"\n"
        "env = { DATABASE_URL = \"postgresql://app:tiger%40x@db/lms\", OTHER = "
        "\"mysql://u:puma@h/d\" }\n"}});
  Overrides flags;
  flags.config_file = "/c.toml";
  auto config = load_config(flags, {}, files.reader());
  ASSERT_TRUE(config.ok()) << config.error().message;
  const std::string text = describe(*config);
  for (const char* secret : {"tiger", "lion", "puma"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << "\n" << text;
  EXPECT_NE(text.find("url = \"postgresql://app:***@db/lms\""), std::string::npos) << text;
  EXPECT_NE(text.find("# migration-agent effective configuration (file: /c.toml)"),
            std::string::npos)
      << text;
}

TEST(Describe, MentionsTheSecretFileTheUrlCameFrom) {
  test::FakeFileReader files({{"/run/secrets/db", "mysql://app:tiger@db/shop\n"}});
  auto config = load_config({}, {{"DATABASE_URL_FILE", "/run/secrets/db"}}, files.reader());
  ASSERT_TRUE(config.ok());
  const std::string text = describe(*config);
  EXPECT_NE(text.find("# url was read from url_file = \"/run/secrets/db\""), std::string::npos)
      << text;
  EXPECT_EQ(text.find("tiger"), std::string::npos);
}

}  // namespace
}  // namespace magent::config
