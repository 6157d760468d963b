// Alembic (Debian's python3-alembic) and the agent share one alembic_version table: each
// reads what the other wrote, across a branch point and a merge point (DESIGN.md section 5).
#include <gtest/gtest.h>

#include "agent/db/connect.hpp"
#include "agent/db/sql_dialect.hpp"
#include "agent/db/version_store.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/engines.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using core::VersionOp;
using test::Engine;
using Revisions = std::vector<std::string>;

constexpr const char* k_python = "/usr/bin/python3";  // Debian's, where alembic is importable

constexpr const char* k_driver = R"(import sys
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
url, script_dir, verb, targets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
if verb == "current":
    with create_engine(url).connect() as connection:
        print(",".join(sorted(MigrationContext.configure(connection).get_current_heads())))
else:
    cfg = Config()
    cfg.set_main_option("script_location", script_dir)
    cfg.set_main_option("sqlalchemy.url", url)
    for target in targets:
        getattr(command, verb)(cfg, target)
)";

constexpr const char* k_env = R"(from alembic import context
from sqlalchemy import engine_from_config, pool
config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section),
                            prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
)";

std::string revision_file(const std::string& id, const std::string& down) {
  return "revision = '" + id + "'\ndown_revision = " + down +
         "\nbranch_labels = None\ndepends_on = None\n"
         "def upgrade():\n    pass\ndef downgrade():\n    pass\n";
}

VersionOp insert(std::string to) {
  return {.kind = VersionOp::Kind::insert, .to = std::move(to)};
}
VersionOp update(std::string from, std::string to) {
  return {.kind = VersionOp::Kind::update, .from = std::move(from), .to = std::move(to)};
}
VersionOp remove(std::string from) {
  return {.kind = VersionOp::Kind::remove, .from = std::move(from)};
}

// a1 -> b1, a1 -> c1 (two branches), (b1, c1) -> m1 (a merge).
class AlembicInterop : public ::testing::TestWithParam<Engine> {
 protected:
  void write_scripts() {
    m_temp.write("driver.py", k_driver);
    m_temp.write("alembic/env.py", k_env);
    m_temp.write("alembic/versions/a1.py", revision_file("a1", "None"));
    m_temp.write("alembic/versions/b1.py", revision_file("b1", "'a1'"));
    m_temp.write("alembic/versions/c1.py", revision_file("c1", "'a1'"));
    m_temp.write("alembic/versions/m1.py", revision_file("m1", "('b1', 'c1')"));
  }
  // Runs Alembic; returns its stdout, failing the test when it fails.
  std::string alembic(const test::TestDatabase& db, const std::vector<std::string>& args) {
    std::string url = db.url();
    if (url.rfind("mysql://", 0) == 0) url = "mysql+pymysql://" + url.substr(8);
    std::vector<std::string> argv{k_python, (m_temp.path() / "driver.py").string(), url,
                                  (m_temp.path() / "alembic").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const test::ProcessResult r = test::run_process(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::unique_ptr<Database> connect(const test::TestDatabase& db) {
    auto url = test::test_url(db.url());
    EXPECT_TRUE(url.has_value());
    auto opened = open_database({.url = url.value_or(core::DatabaseUrl{})});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  static Revisions versions(Database& db) {
    auto state = read_versions(db, {});
    EXPECT_TRUE(state.ok()) << state.error().message;
    return state.ok() ? state->revisions : Revisions{"<error>"};
  }

  test::TempDir m_temp;
};

TEST_P(AlembicInterop, AlembicReadsAndContinuesWhatTheAgentWrote) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  write_scripts();
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  ASSERT_TRUE(ensure_version_table(*db, {}).ok());
  ASSERT_TRUE(db->begin().ok());
  // upgrade a1; a1 -> b1; then c1 starts a second branch (Alembic's INSERT).
  ASSERT_TRUE(apply_version_ops(*db, {}, {insert("a1"), update("a1", "b1"), insert("c1")}).ok());
  ASSERT_TRUE(db->commit().ok());
  EXPECT_EQ(alembic(*fixture, {"current"}), "b1,c1\n");
  alembic(*fixture, {"upgrade", "heads"});  // Alembic crosses the merge on our rows
  EXPECT_EQ(versions(*db), Revisions{"m1"});
}

TEST_P(AlembicInterop, AgentReadsAndContinuesWhatAlembicWrote) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  write_scripts();
  alembic(*fixture, {"upgrade", "b1", "c1"});
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  EXPECT_EQ(versions(*db), (Revisions{"b1", "c1"}));
  ASSERT_TRUE(db->begin().ok());
  // Crossing the merge point: DELETE one head, UPDATE the other.
  auto merged = apply_version_ops(*db, {}, {remove("b1"), update("c1", "m1")});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  ASSERT_TRUE(db->commit().ok());
  EXPECT_EQ(alembic(*fixture, {"current"}), "m1\n");
  alembic(*fixture, {"downgrade", "b1"});  // Alembic: UPDATE + INSERT back to two heads
  EXPECT_EQ(versions(*db), (Revisions{"b1", "c1"}));
}

// Only SQLite keeps the DDL text of a table, so this one runs on SQLite alone.
class AlembicInteropOnSqlite : public AlembicInterop {};

TEST_P(AlembicInteropOnSqlite, TableDdlIsIdenticalToAlembics) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  write_scripts();
  alembic(*fixture, {"upgrade", "a1"});
  EXPECT_EQ(fixture->sql("SELECT sql FROM sqlite_master WHERE name = 'alembic_version';"),
            create_version_table_sql(core::Dialect::sqlite, {}) + "\n");
}

INSTANTIATE_TEST_SUITE_P(Engines, AlembicInterop, ::testing::ValuesIn(test::all_engines()),
                         test::engine_param_name);

INSTANTIATE_TEST_SUITE_P(Sqlite, AlembicInteropOnSqlite, ::testing::Values(Engine::sqlite),
                         test::engine_param_name);

}  // namespace
}  // namespace magent::db
