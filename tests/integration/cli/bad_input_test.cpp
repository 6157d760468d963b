// Bad input of every kind: one clear line on stderr, the documented exit code, and nothing
// written to the database. Passwords never appear; the URL is shown redacted.
#include <regex>

#include <gtest/gtest.h>

#include "tests/integration/db/adapter_fixture.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {
namespace {

// A database URL cut into parts, to build wrong variants of it.
struct UrlParts {
  std::string scheme, user, host, port, database;
  std::string with(const std::string& password, const std::string& host_port,
                   const std::string& name) const {
    return scheme + "://" + user + (password.empty() ? "" : ":" + password) + "@" + host_port +
           "/" + name;
  }
  std::string host_port() const { return host + ":" + port; }
};

UrlParts parts_of(const std::string& url) {
  static const std::regex pattern(R"(^([a-z]+)://([^@:/]+)@([^:/]+):(\d+)/(.+)$)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) {
    ADD_FAILURE() << "unexpected test URL " << url;
    return {};
  }
  return {m[1], m[2], m[3], m[4], m[5]};
}

class CliBadInput : public CliTest {
 protected:
  void SetUp() override {
    m_set.add({.id = "r1", .upgrade = "CREATE TABLE t_one (id INTEGER);",
               .downgrade = "DROP TABLE t_one;"});
    m_set.add({.id = "r2", .down = {"r1"}, .upgrade = "CREATE TABLE t_two (id INTEGER);",
               .downgrade = "DROP TABLE t_two;"});
  }
  // `upgrade` against `url`: exit 3, one line naming `redacted`, no trace of `secret`.
  void expect_unreachable(const std::string& url, const std::string& redacted,
                          const std::vector<std::string>& secrets = {}) {
    AgentRunner agent(url, m_set.dir(), m_temp.path());
    for (const auto& args : {std::vector<std::string>{"upgrade"},
                             std::vector<std::string>{"--json", "current"}}) {
      ProcessResult r = agent.run(args);
      EXPECT_EQ(r.exit_code, 3) << describe(r);
      EXPECT_TRUE(one_line(r.err));
      EXPECT_TRUE(contains(r.err, redacted)) << "want " << redacted << " in " << r.err;
      for (const auto& secret : secrets) {
        EXPECT_FALSE(contains(r.err + r.out, secret)) << describe(r);
      }
    }
  }
  MigrationSet m_set{m_temp.path() / "migrations"};
};

// Passwords, hosts and ports: SQLite has no server, so these run on the other two.
class CliServerBadInput : public CliBadInput {};

TEST_P(CliServerBadInput, WrongPasswordExitsThreeShowingTheUrlRedactedAndNeverThePassword) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  ServerUser user(*db, "magent_cli_pw_" + std::to_string(::getpid()), "Right-Pw-1");
  UrlParts p = parts_of(db->url());
  p.user = user.name();
  // "Wr0ng@Secret" percent-encoded, as a URL must carry it.
  const std::string url = p.with("Wr0ng%40Secret", p.host_port(), p.database);
  expect_unreachable(url, p.with("***", p.host_port(), p.database),
                     {"Wr0ng", "Secret", "Right-Pw-1"});
  EXPECT_EQ(table_names(*db), std::vector<std::string>{});
}

TEST_P(CliServerBadInput, UnknownHostExitsThree) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  UrlParts p = parts_of(db->url());
  const std::string host_port = "no-such-host.invalid:" + p.port;
  expect_unreachable(p.with("Pw-9", host_port, p.database), p.with("***", host_port, p.database),
                     {"Pw-9"});
}

TEST_P(CliBadInput, MissingDatabaseExitsThreeAndCreatesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  if (GetParam() == Engine::sqlite) {
    const auto missing = m_temp.path() / "no-such-dir";
    const std::string path = (missing / "app.db").string();
    expect_unreachable("sqlite:///" + path, path);
    EXPECT_FALSE(std::filesystem::exists(missing));
    return;
  }
  UrlParts p = parts_of(db->url());
  const std::string name = p.database + "_missing";
  expect_unreachable(p.with("", p.host_port(), name), p.with("", p.host_port(), name));
  if (GetParam() == Engine::postgresql) {
    EXPECT_EQ(query_value(*db, "SELECT COUNT(*) FROM pg_database WHERE datname = '" + name + "'"),
              "0");
  } else {
    EXPECT_EQ(query_value(*db, "SELECT COUNT(*) FROM information_schema.schemata WHERE "
                               "schema_name = '" + name + "'"),
              "0");
  }
}

TEST_P(CliServerBadInput, ClosedPortExitsThree) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  UrlParts p = parts_of(db->url());
  const std::string host_port = p.host + ":" + std::to_string(closed_port());
  expect_unreachable(p.with("Pw-7", host_port, p.database), p.with("***", host_port, p.database),
                     {"Pw-7"});
}

TEST_P(CliBadInput, MalformedMigrationFileExitsTwoNamingFileAndLineAndWritesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  m_set.write("r3_typo.sql", "-- revision: r3\n-- down_revison: r2\n-- +upgrade\nSELECT 1;\n");
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ProcessResult r = agent.run({"upgrade"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(one_line(r.err));
  EXPECT_TRUE(contains(r.err, "r3_typo.sql:2:")) << r.err;
  EXPECT_TRUE(contains(r.err, "down_revison")) << r.err;
  EXPECT_EQ(table_names(*db), std::vector<std::string>{});
}

TEST_P(CliBadInput, UnknownConfigKeyExitsTwoNamingTheKeyFileAndLineAndWritesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  agent.set_config(m_temp.write("agent.toml", "[apply]\nlock_timeout = \"2s\"\nlock_timout = "
                                              "\"3s\"\n"));
  ProcessResult r = agent.run({"upgrade"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(one_line(r.err));
  EXPECT_TRUE(contains(r.err, "agent.toml:3")) << r.err;
  EXPECT_TRUE(contains(r.err, "lock_timout")) << r.err;
  EXPECT_EQ(table_names(*db), std::vector<std::string>{});
}

TEST_P(CliBadInput, UnknownRevisionTargetExitsTwoInAlembicsWordsAndWritesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  for (const auto& verb : {"upgrade", "downgrade", "stamp", "plan"}) {
    ProcessResult r = agent.run({verb, "nosuchrev"});
    EXPECT_EQ(r.exit_code, 2) << verb << ": " << describe(r);
    EXPECT_EQ(r.err, "migration-agent: Can't locate revision identified by 'nosuchrev'\n") << verb;
  }
  EXPECT_EQ(table_names(*db), std::vector<std::string>{});
}

TEST_P(CliBadInput, DatabaseAtARevisionTheFilesLackFailsCheckAndRefusesUpgrade) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade", "r1"}).exit_code, 0);
  db->sql("UPDATE alembic_version SET version_num = 'gone1'");  // the app was rolled back
  const auto ledger_before = ledger_rows(*db).size();

  nlohmann::json check = agent.run_json({"check"}, 1);
  ASSERT_TRUE(check.is_object());
  EXPECT_EQ(check["ok"], false);
  std::vector<std::string> kinds;
  for (const auto& d : check["drift"]) kinds.push_back(d.value("kind", ""));
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "unknown_revision"), kinds.end())
      << check.dump();
  ProcessResult text = agent.run({"check"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_TRUE(contains(text.out, "unknown_revision")) << text.out;
  EXPECT_TRUE(contains(text.out, "gone1")) << text.out;

  ProcessResult up = agent.run({"upgrade"});
  EXPECT_EQ(up.exit_code, 2) << describe(up);
  EXPECT_TRUE(one_line(up.err));
  EXPECT_TRUE(contains(up.err, "Can't locate revision identified by 'gone1'")) << up.err;
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{"gone1"});
  EXPECT_EQ(ledger_rows(*db).size(), ledger_before);
  EXPECT_FALSE(has_table(*db, "t_two"));
}

TEST_P(CliBadInput, DowngradeToARevisionThatIsNotBelowExitsTwoAndChangesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  ASSERT_EQ(agent.run({"upgrade", "r1"}).exit_code, 0);
  ProcessResult r = agent.run({"downgrade", "r2"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(r.err,
            "migration-agent: Destination r2 is not a valid downgrade target from current "
            "head(s)\n");
  EXPECT_EQ(version_rows(*db), std::vector<std::string>{"r1"});
  EXPECT_EQ(ledger_rows(*db).size(), 1U);
  EXPECT_EQ(user_tables(*db), std::vector<std::string>{"t_one"});
}

TEST_P(CliBadInput, UnknownVerbMissingTargetOrASecondTargetExitsTwoAndWritesNothing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  AgentRunner agent(db->url(), m_set.dir(), m_temp.path());
  for (const auto& args : {std::vector<std::string>{"upgrayedd"},
                           std::vector<std::string>{"downgrade"},
                           std::vector<std::string>{"stamp"},
                           std::vector<std::string>{"upgrade", "--no-such-flag"},
                           // One TARGET only: a second one must not be silently dropped.
                           std::vector<std::string>{"upgrade", "r1", "r2"},
                           std::vector<std::string>{"plan", "r1", "r2"},
                           std::vector<std::string>{"downgrade", "base", "r1", "--force"}}) {
    ProcessResult r = agent.run(args);
    EXPECT_EQ(r.exit_code, 2) << args.front() << ": " << describe(r);
    EXPECT_TRUE(contains(r.err, "migration-agent:")) << r.err;
  }
  EXPECT_EQ(table_names(*db), std::vector<std::string>{});
}

MAGENT_CLI_ALL_ENGINES(CliBadInput);
INSTANTIATE_TEST_SUITE_P(Servers, CliServerBadInput,
                         ::testing::Values(Engine::postgresql, Engine::mysql), engine_param_name);

}  // namespace
}  // namespace magent::test
