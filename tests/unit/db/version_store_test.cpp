#include "agent/db/version_store.hpp"

#include <gtest/gtest.h>

#include "agent/db/connect.hpp"
#include "agent/db/sql_dialect.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using core::ErrorKind;
using core::VersionOp;
using Revisions = std::vector<std::string>;

VersionOp insert(std::string to) {
  return {.kind = VersionOp::Kind::insert, .to = std::move(to)};
}
VersionOp update(std::string from, std::string to) {
  return {.kind = VersionOp::Kind::update, .from = std::move(from), .to = std::move(to)};
}
VersionOp remove(std::string from) {
  return {.kind = VersionOp::Kind::remove, .from = std::move(from)};
}

class VersionStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_database(test::sqlite_options((m_dir.path() / "app.db").string()));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    m_db = std::move(*opened);
  }
  Revisions versions(const VersionTable& table = {}) {
    auto state = read_versions(*m_db, table);
    EXPECT_TRUE(state.ok()) << state.error().message;
    return state.ok() ? state->revisions : Revisions{"<error>"};
  }

  test::TempDir m_dir;
  std::unique_ptr<Database> m_db;
};

TEST_F(VersionStore, MissingTableReadsAsAbsentAndEmptyWithoutError) {
  auto state = read_versions(*m_db, {});
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_FALSE(state->table_exists);
  EXPECT_TRUE(state->revisions.empty());
}

TEST_F(VersionStore, EnsuringTwiceIsHarmlessAndKeepsRows) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("a1")}).ok());
  auto again = ensure_version_table(*m_db, {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto state = read_versions(*m_db, {});
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->table_exists);
  EXPECT_EQ(state->revisions, Revisions{"a1"});
}

TEST_F(VersionStore, CreatedTableIsAlembicsDdlVerbatim) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  auto rows = m_db->query("SELECT sql FROM sqlite_master WHERE name = 'alembic_version'");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().at(0), create_version_table_sql(core::Dialect::sqlite, {}));
}

TEST_F(VersionStore, OrdinaryStepUpdatesTheRow) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("a1")}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {update("a1", "b2")}).ok());
  EXPECT_EQ(versions(), Revisions{"b2"});
}

TEST_F(VersionStore, MergePointDeletesOneHeadAndUpdatesTheOther) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("b1"), insert("c1")}).ok());
  EXPECT_EQ(versions(), (Revisions{"b1", "c1"}));
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {remove("b1"), update("c1", "m1")}).ok());
  EXPECT_EQ(versions(), Revisions{"m1"});
}

TEST_F(VersionStore, DowngradingABaseDeletesTheLastRow) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("a1")}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {remove("a1")}).ok());
  auto state = read_versions(*m_db, {});
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->table_exists);
  EXPECT_TRUE(state->revisions.empty());
}

TEST_F(VersionStore, UpdateMatchingNoRowFailsWithAlembicsWords) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("x9")}).ok());
  auto r = apply_version_ops(*m_db, {}, {update("a", "b")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_EQ(r.error().message,
            "Online migration expected to match one row when updating 'a' to 'b' in "
            "'alembic_version'; 0 found");
  EXPECT_EQ(versions(), Revisions{"x9"});
}

TEST_F(VersionStore, DeleteMatchingNoRowFailsWithAlembicsWords) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  auto r = apply_version_ops(*m_db, {}, {remove("a")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_EQ(r.error().message,
            "Online migration expected to match one row when deleting 'a' in "
            "'alembic_version'; 0 found");
}

TEST_F(VersionStore, UpdateMatchingTwoRowsFailsAndCountsThem) {
  // Alembic's version_table_pk=False leaves a table that can hold duplicates.
  ASSERT_TRUE(
      m_db->execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)").ok());
  ASSERT_TRUE(m_db->execute("INSERT INTO alembic_version VALUES ('a'), ('a')").ok());
  ASSERT_TRUE(m_db->begin().ok());
  auto r = apply_version_ops(*m_db, {}, {update("a", "b")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("; 2 found"), std::string::npos) << r.error().message;
  ASSERT_TRUE(m_db->rollback().ok());  // as every caller does (the contract)
  EXPECT_EQ(versions(), (Revisions{"a", "a"}));
}

TEST_F(VersionStore, MessageNamesTheConfiguredTableWithoutSchema) {
  const VersionTable table{.name = "app_versions", .schema = "main"};
  ASSERT_TRUE(ensure_version_table(*m_db, table).ok());
  auto r = apply_version_ops(*m_db, table, {remove("zz")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("in 'app_versions'; 0 found"), std::string::npos)
      << r.error().message;
}

TEST_F(VersionStore, DuplicateInsertFailsOnThePrimaryKey) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("a1")}).ok());
  auto r = apply_version_ops(*m_db, {}, {insert("a1")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::step_failed);
  EXPECT_NE(r.error().message.find("UNIQUE"), std::string::npos) << r.error().message;
}

TEST_F(VersionStore, FailedOpStopsTheSequenceAndRollbackUndoesEarlierOnes) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("a1")}).ok());
  ASSERT_TRUE(m_db->begin().ok());
  auto r = apply_version_ops(*m_db, {}, {update("a1", "b2"), update("zz", "c3"), insert("d4")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(versions(), Revisions{"b2"});  // inside the transaction; d4 never ran
  ASSERT_TRUE(m_db->rollback().ok());
  EXPECT_EQ(versions(), Revisions{"a1"});
}

TEST_F(VersionStore, ConfiguredNameAndWidthAreUsed) {
  const VersionTable table{.name = "my_versions", .width = 64};
  ASSERT_TRUE(ensure_version_table(*m_db, table).ok());
  auto rows = m_db->query("SELECT sql FROM sqlite_master WHERE name = 'my_versions'");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_NE(rows->front().at(0)->find("VARCHAR(64)"), std::string::npos);
  EXPECT_NE(rows->front().at(0)->find("my_versions_pkc"), std::string::npos);
  EXPECT_FALSE(read_versions(*m_db, {})->table_exists);  // the default table is untouched
}

TEST_F(VersionStore, ReadsRevisionsWiderThanTheConfiguredWidth) {
  const std::string long_id(100, 'f');
  ASSERT_TRUE(m_db->execute("CREATE TABLE alembic_version (version_num VARCHAR(255) NOT NULL "
                            "PRIMARY KEY)")
                  .ok());
  ASSERT_TRUE(m_db->query("INSERT INTO alembic_version VALUES (?)", {long_id}).ok());
  EXPECT_EQ(versions({.width = 32}), Revisions{long_id});
}

TEST_F(VersionStore, ClearRemovesEveryRow) {
  ASSERT_TRUE(ensure_version_table(*m_db, {}).ok());
  ASSERT_TRUE(apply_version_ops(*m_db, {}, {insert("a"), insert("b")}).ok());
  ASSERT_TRUE(clear_versions(*m_db, {}).ok());
  EXPECT_TRUE(versions().empty());
}

}  // namespace
}  // namespace magent::db
