#include "agent/db/offline_sql.hpp"

#include <gtest/gtest.h>

#include "agent/core/planner.hpp"
#include "agent/core/sql_migration.hpp"

namespace magent::db {
namespace {

core::RevisionGraph graph_of(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<core::Revision> revisions;
  for (const auto& [path, text] : files) {
    auto r = core::parse_sql_migration(path, text);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (r) revisions.push_back(*r);
  }
  auto built = core::RevisionGraph::build(std::move(revisions));
  EXPECT_TRUE(built.graph.has_value());
  return std::move(*built.graph);
}

const core::RevisionGraph& chain() {
  static const core::RevisionGraph g =
      graph_of({{"a1.sql",
                 "-- revision: a1\n-- down_revision: none\n-- +upgrade\nCREATE TABLE t (\n\tid "
                 "INTEGER\n);\n-- +downgrade\nDROP TABLE t;\n"},
                {"b1.sql",
                 "-- revision: b1\n-- down_revision: a1\n-- transaction: none\n-- +upgrade\n"
                 "CREATE INDEX CONCURRENTLY ix ON t (id);\n-- +downgrade\nDROP INDEX ix;\n"}});
  return g;
}

TEST(OfflineSql, PostgresqlFromBaseIsOneTransactionWithTheVersionTable) {
  auto plan = core::plan_upgrade(chain(), {}, "a1");
  ASSERT_TRUE(plan.ok());
  auto sql = offline_sql(*plan, core::Dialect::postgresql, {});
  ASSERT_TRUE(sql.ok()) << sql.error().message;
  EXPECT_EQ(*sql,
            "BEGIN;\n\n"
            "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n"
            "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n"
            "-- Running upgrade  -> a1\n\n"
            "CREATE TABLE t (\n    id INTEGER\n);\n\n"
            "INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING "
            "alembic_version.version_num;\n\n"
            "COMMIT;\n\n");
}

TEST(OfflineSql, ANonTransactionalStepLeavesTheTransactionAsAutocommitBlockDoes) {
  auto plan = core::plan_upgrade(chain(), {"a1"}, "b1");
  ASSERT_TRUE(plan.ok());
  auto sql = offline_sql(*plan, core::Dialect::postgresql, {});
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql,
            "BEGIN;\n\n-- Running upgrade a1 -> b1\n\nCOMMIT;\n\n"
            "CREATE INDEX CONCURRENTLY ix ON t (id);\n\nBEGIN;\n\n"
            "UPDATE alembic_version SET version_num='b1' WHERE alembic_version.version_num = "
            "'a1';\n\nCOMMIT;\n\n");
}

TEST(OfflineSql, MysqlDowngradeToBaseDropsTheVersionTableWithoutATransaction) {
  auto plan = core::plan_downgrade(chain(), {"a1"}, "base");
  ASSERT_TRUE(plan.ok());
  auto sql = offline_sql(*plan, core::Dialect::mysql, {});
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql,
            "-- Running downgrade a1 -> \n\nDROP TABLE t;\n\n"
            "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a1';\n\n"
            "DROP TABLE alembic_version;\n\n");
}

TEST(OfflineSql, PythonRevisionsAreRefusedByName) {
  std::vector<core::Revision> revisions;
  core::Revision py;
  py.id = "20260125_120000";
  py.path = "0001_add_usuario_telefono.py";
  py.kind = core::FileKind::python;
  revisions.push_back(py);
  auto g = core::RevisionGraph::build(std::move(revisions));
  auto plan = core::plan_upgrade(*g.graph, {}, "heads");
  ASSERT_TRUE(plan.ok());
  auto sql = offline_sql(*plan, core::Dialect::sqlite, {});
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.error().kind, core::ErrorKind::usage);
  EXPECT_NE(sql.error().message.find("0001_add_usuario_telefono.py"), std::string::npos);
}

}  // namespace
}  // namespace magent::db
