#include "agent/db/runner.hpp"

#include <gtest/gtest.h>

#include "agent/platform/child_process.hpp"

namespace magent::db {
namespace {

TEST(Runner, TargetIsOneShellWordWhateverItHolds) {
  EXPECT_EQ(shell_quote("20260125_120000"), "'20260125_120000'");
  EXPECT_EQ(shell_quote("it's; rm -rf /"), "'it'\\''s; rm -rf /'");
  EXPECT_EQ(expand_command("flask --app now_lms db upgrade {target}", "heads"),
            "flask --app now_lms db upgrade 'heads'");
  EXPECT_EQ(expand_command("a {target} b {target}", "x"), "a 'x' b 'x'");
  EXPECT_EQ(expand_command("lmsctl database migrate", "heads"), "lmsctl database migrate");
}

TEST(Runner, TheShellSeesTheTargetAsOneArgument) {
  platform::ChildCommand c;
  c.argv = {"/bin/sh", "-c", expand_command("printf '%s|' {target}", "a b'; echo pwned")};
  auto r = platform::run_child(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output_tail, "a b'; echo pwned|");
}

TEST(Runner, DatabaseUrlIsRebuiltForSqlalchemy) {
  auto pg =
      core::parse_database_url("postgresql+psycopg2://app:p%40ss@db:5432/lms?sslmode=require");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(sqlalchemy_url(*pg), "postgresql+psycopg2://app:p%40ss@db:5432/lms?sslmode=require");
  auto lite = core::parse_database_url("sqlite:////var/lib/app.db");
  ASSERT_TRUE(lite.ok());
  EXPECT_EQ(sqlalchemy_url(*lite), "sqlite:////var/lib/app.db");
  auto rel = core::parse_database_url("sqlite:///var/app.db");
  EXPECT_EQ(sqlalchemy_url(*rel), "sqlite:///var/app.db");
}

TEST(Runner, ReportsHasCommandAndTargetSupport) {
  config::RunnerConfig config;
  config.command = "lmsctl database migrate";
  CommandStepRunner runner(config, {});
  EXPECT_TRUE(runner.has_command(core::Direction::upgrade));
  EXPECT_FALSE(runner.has_command(core::Direction::downgrade));
  EXPECT_FALSE(runner.takes_target());
  auto refused = runner.run("x", core::Direction::downgrade);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, core::ErrorKind::usage);
}

TEST(Runner, PassesDatabaseUrlAndExtraEnvironmentAndKeepsTheTail) {
  config::RunnerConfig config;
  config.command = "echo \"$DATABASE_URL $EXTRA\" {target}; sleep 0.2; echo boom >&2; exit 4";
  config.env = {{"EXTRA", "x1"}};
  auto url = core::parse_database_url("postgresql://app:secret@db/lms");
  CommandStepRunner runner(config, *url);
  auto r = runner.run("r9", core::Direction::upgrade);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->succeeded);
  EXPECT_EQ(r->failure, "the runner exited with status 4");
  // The password reached the child but never the report.
  EXPECT_EQ(r->output_tail, "postgresql://app:***@db/lms x1 r9\nboom\n");
}

}  // namespace
}  // namespace magent::db
