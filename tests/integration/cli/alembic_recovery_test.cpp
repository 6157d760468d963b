// The NOW LMS troubleshooting article's two ways out of "Can't locate revision" and "table
// already exists", done by the agent: a renamed revision id ([aliases], then a stamp or
// auto_stamp) and a database made by create_all() without a version table ([baseline]).
// Real Alembic is the runner and the referee; no row of application data is lost.
#include <gtest/gtest.h>

#include "tests/support/now_lms_fixture.hpp"

namespace magent::test {
namespace {

using Ids = std::vector<std::string>;

constexpr const char* k_friendly = "blog_post_cover";  // the id before it was renamed
constexpr const char* k_renamed = "20260110_035505";

class CliAlembicRecovery : public AlembicRunnerTest {
 protected:
  // Alembic upgrades to the cover-image revision while it still has its friendly id, the
  // application writes data, then the id is renamed to a timestamp in the files.
  void apply_then_rename(const TestDatabase& db) {
    const auto versions = alembic().versions();
    for (const char* file : {"a_blog_post_cover.py", "0001_add_usuario_telefono.py"}) {
      std::string text = read_file(versions / file);
      for (auto at = text.find(k_renamed); at != std::string::npos; at = text.find(k_renamed)) {
        text.replace(at, std::string(k_renamed).size(), k_friendly);
      }
      std::ofstream(versions / file) << text;
    }
    alembic().run({"upgrade", k_friendly});
    insert_data(db);
    alembic().copy_versions_from(std::filesystem::path(source_dir()) / "tests" / "data" /
                                 "now_lms_alembic");  // the rename
  }
  static void insert_data(const TestDatabase& db) {
    db.sql(
        "INSERT INTO usuario (id, usuario) VALUES ('u1', 'ana');"
        "INSERT INTO curso (id, nombre) VALUES ('c1', 'Python');");
  }
  static void expect_data_kept(const TestDatabase& db) {
    EXPECT_EQ(query_value(db, "SELECT usuario FROM usuario WHERE id = 'u1'"), "ana");
    EXPECT_EQ(query_value(db, "SELECT nombre FROM curso WHERE id = 'c1'"), "Python");
  }
  static const nlohmann::json* drift_of(const nlohmann::json& check, const std::string& kind) {
    for (const auto& d : check["drift"]) {
      if (d.value("kind", "") == kind) return &d;
    }
    return nullptr;
  }
};

TEST_P(CliAlembicRecovery, RenamedIdIsReportedPlannedFromItsNewIdAndAutoStamped) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  apply_then_rename(*db);
  const std::string aliases =
      std::string("[aliases]\n") + k_friendly + " = \"" + k_renamed + "\"\n";
  write_config(aliases);

  nlohmann::json check = agent().run_json({"check"}, 1);
  const nlohmann::json* unknown = drift_of(check, "unknown_revision");
  ASSERT_NE(unknown, nullptr) << check.dump(2);
  const std::string message = unknown->value("message", "");
  EXPECT_TRUE(contains(message, k_friendly) && contains(message, k_renamed)) << message;
  EXPECT_TRUE(contains(unknown->value("fix", ""),
                       std::string("migration-agent stamp ") + k_renamed + " --purge"))
      << unknown->dump();
  EXPECT_EQ(strings_of(check["pending"]), Ids{"20260125_120000"});  // from the right place

  // Alembic cannot locate the old id, so the agent will not hand it the database as is.
  ProcessResult refused = agent().run({"upgrade"});
  EXPECT_EQ(refused.exit_code, 2) << describe(refused);
  EXPECT_TRUE(contains(refused.err, std::string("stamp ") + k_renamed + " --purge")) << refused.err;
  EXPECT_EQ(version_rows(*db), Ids{k_friendly});

  write_config(aliases + "auto_stamp = true\n");
  ProcessResult up = agent().run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(alembic().current(), Ids{"20260125_120000"});
  const auto rows = ledger_rows(*db);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].revision + ":" + rows[0].direction + ":" + rows[0].outcome + ":" +
                rows[0].versions_after,
            std::string(k_renamed) + ":stamp:succeeded:" + k_renamed);
  EXPECT_EQ(rows[1].revision + ":" + rows[1].direction + ":" + rows[1].outcome,
            "20260125_120000:upgrade:succeeded");
  expect_data_kept(*db);
  EXPECT_EQ(agent().run({"check"}).exit_code, 0);
}

TEST_P(CliAlembicRecovery, RenamedIdIsSettledByTheStampTheCheckSuggests) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  apply_then_rename(*db);
  write_config(std::string("[aliases]\n") + k_friendly + " = \"" + k_renamed + "\"\n");
  ProcessResult stamp = agent().run({"stamp", k_renamed, "--purge"});
  ASSERT_EQ(stamp.exit_code, 0) << describe(stamp);
  EXPECT_EQ(alembic().current(), Ids{k_renamed});  // Alembic can read it again
  ProcessResult up = agent().run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_EQ(alembic().current(), Ids{"20260125_120000"});
  expect_data_kept(*db);
}

TEST_P(CliAlembicRecovery, UnversionedDatabaseIsBaselinedThenUpgraded) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  // create_all() made the schema of 20260110_035505 and NOW LMS's system_info; no version
  // table (as after the article's "DROP TABLE alembic_version").
  alembic().run({"upgrade", k_renamed});
  db->sql("DROP TABLE alembic_version;");
  db->sql(
      "CREATE TABLE system_info (param VARCHAR(50), valor VARCHAR(100));"
      "INSERT INTO system_info VALUES ('lms_name', 'NOW LMS');");
  insert_data(*db);

  nlohmann::json check = agent().run_json({"check"}, 1);
  const nlohmann::json* unversioned = drift_of(check, "unversioned");
  ASSERT_NE(unversioned, nullptr) << check.dump(2);
  EXPECT_TRUE(contains(unversioned->value("message", ""), "system_info"));
  EXPECT_TRUE(contains(unversioned->value("fix", ""), "stamp heads")) << unversioned->dump();

  write_config(std::string("[baseline]\nwhen_table_exists = \"system_info\"\nrevision = \"") +
               k_renamed + "\"\n");
  nlohmann::json ready = agent().run_json({"check"}, 1);
  ASSERT_NE(drift_of(ready, "unversioned"), nullptr);
  EXPECT_TRUE(contains(drift_of(ready, "unversioned")->value("fix", ""), "[baseline] applies"));
  EXPECT_EQ(strings_of(ready["pending"]), Ids{"20260125_120000"});

  ProcessResult up = agent().run({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << describe(up);
  EXPECT_FALSE(contains(up.err, "already exists")) << up.err;
  EXPECT_EQ(ledger_summary(*db), (Ids{std::string(k_renamed) + ":stamp:succeeded",
                                      "20260125_120000:upgrade:succeeded"}));
  EXPECT_EQ(alembic().current(), Ids{"20260125_120000"});
  expect_data_kept(*db);
  EXPECT_EQ(query_value(*db, "SELECT valor FROM system_info"), "NOW LMS");
  EXPECT_EQ(agent().run({"check"}).exit_code, 0);
}

MAGENT_CLI_ALL_ENGINES(CliAlembicRecovery);

}  // namespace
}  // namespace magent::test
