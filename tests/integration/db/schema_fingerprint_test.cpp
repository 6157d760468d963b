// Schema fingerprints against real SQLite, PostgreSQL and MariaDB (tests/support/engines.hpp):
// the example migrations' schema is built with each engine's own client, changed by hand,
// and read back through the agent's connection.
#include "agent/db/schema_fingerprint.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>

#include "agent/core/sql_migration.hpp"
#include "agent/db/connect.hpp"
#include "agent/db/ledger.hpp"
#include "agent/db/schema_drift.hpp"
#include "agent/db/version_store.hpp"
#include "tests/support/database_urls.hpp"
#include "tests/support/engines.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::db {
namespace {

using namespace std::chrono_literals;
using test::Engine;
using Lines = std::vector<std::string>;

core::Dialect dialect_of(Engine engine) {
  switch (engine) {
    case Engine::sqlite:
      return core::Dialect::sqlite;
    case Engine::postgresql:
      return core::Dialect::postgresql;
    case Engine::mysql:
      return core::Dialect::mysql;
  }
  return core::Dialect::sqlite;
}

// Every upgrade statement of migrations/*.sql for `engine`, in chain order (the example
// set's file names sort in chain order), as one script for the engine's client.
std::string example_script(Engine engine) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(MAGENT_SOURCE_DIR) + "/migrations")) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string script;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto revision = core::parse_sql_migration(path.filename().string(), text.str());
    EXPECT_TRUE(revision.ok()) << revision.error().message;
    if (!revision) continue;
    auto statements = core::statements_for(*revision, core::Direction::upgrade, dialect_of(engine));
    EXPECT_TRUE(statements.ok()) << statements.error().message;
    if (!statements) continue;
    for (const core::Statement& s : *statements) script += s.sql + ";\n";
  }
  return script;
}

// SQLite changes a column or drops a constraint only by rebuilding the table; this rebuilds
// `table` from its own CREATE TABLE text with `edit` applied, keeping rows and indexes.
void rebuild_sqlite_table(const test::TestDatabase& fixture, const std::string& table,
                          const std::function<void(std::string&)>& edit) {
  std::string ddl = fixture.sql("SELECT sql FROM sqlite_master WHERE name = '" + table + "';");
  std::string indexes = fixture.sql(
      "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' "
      "AND tbl_name = '" +
      table + "' AND sql IS NOT NULL;");
  const std::string head = "CREATE TABLE " + table + " (";
  ASSERT_EQ(ddl.rfind(head, 0), 0u) << ddl;
  ddl.replace(0, head.size(), "CREATE TABLE " + table + "_new (");
  edit(ddl);
  fixture.sql("PRAGMA foreign_keys = OFF; BEGIN; " + ddl + ";\nINSERT INTO " + table +
              "_new SELECT * FROM " + table + "; DROP TABLE " + table + "; ALTER TABLE " + table +
              "_new RENAME TO " + table + "; " + indexes + " COMMIT;");
}

void replace_once(std::string& text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << text;
  text.replace(at, from.size(), to);
}

class SchemaFingerprintTest : public ::testing::TestWithParam<Engine> {
 protected:
  static std::unique_ptr<Database> connect(const test::TestDatabase& fixture) {
    auto url = test::test_url(fixture.url());
    EXPECT_TRUE(url.has_value()) << fixture.url();
    auto opened = open_database({.url = url.value_or(core::DatabaseUrl{}), .connect_timeout = 5s});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  // The example schema plus the agent's own tables, holding a row each.
  static void build_example(const test::TestDatabase& fixture, Database& db) {
    fixture.sql(example_script(fixture.engine()));
    ASSERT_TRUE(ensure_version_table(db, {}).ok());
    ASSERT_TRUE(ensure_ledger(db, {}).ok());
  }
  static SchemaSnapshot snapshot(Database& db) {
    auto s = read_schema(db, k_scope);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? *s : SchemaSnapshot{};
  }
  // What changed from `before` to the live schema.
  static Lines changes(Database& db, const SchemaSnapshot& before) {
    return diff(before, snapshot(db));
  }
  static std::int64_t ledger_row(Database& db, std::optional<Lines> versions_after) {
    LedgerEntry entry{.revision = "20260128_090000",
                      .started_at = *parse_timestamp("2026-11-23T12:00:00.000Z"),
                      .outcome = LedgerOutcome::succeeded,
                      .host = "test",
                      .agent_version = "test",
                      .versions_after = std::move(versions_after)};
    auto id = append(db, {}, entry);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  static inline const SchemaScope k_scope = schema_scope_for({}, {});
  test::TempDir m_temp;
};

TEST_P(SchemaFingerprintTest, ExampleSchemaIsReadWholeAndStableAcrossReads) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const SchemaSnapshot first = snapshot(*db);
  const SchemaSnapshot second = snapshot(*db);
  EXPECT_EQ(serialize(first), serialize(second));
  EXPECT_EQ(*fingerprint_hash(first), *fingerprint_hash(second));
  EXPECT_EQ(first.dialect, dialect_of(GetParam()));
  Lines names;
  for (const SchemaTable& t : first.tables) names.push_back(t.name);
  EXPECT_EQ(names, (Lines{"blog_post", "curso", "enlaces_utiles", "static_pages", "system_info",
                          "usuario"}));
  const std::string text = serialize(first);
  for (const char* expected :
       {"\ncolumn usuario telefono ", "\ncolumn usuario tipo ", "\nindex curso ix_curso_estado ",
        "\nindex usuario ix_usuario_correo_lower ", "\nforeign-key curso ",
        "\nforeign-key blog_post ", "\nprimary-key usuario "}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " not in\n" << text;
  }
  const SchemaTable& usuario = first.tables.back();
  ASSERT_EQ(usuario.columns.size(), 9u);
  EXPECT_EQ(usuario.columns.front().name, "id");
  EXPECT_EQ(usuario.columns.back().name, "telefono");  // ordinal order, not sorted
  auto back = deserialize(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, first);
}

TEST_P(SchemaFingerprintTest, TwoDatabasesBuiltAlikeHaveEqualFingerprints) {
  MAGENT_REQUIRE_DATABASE(one, GetParam(), m_temp);
  MAGENT_REQUIRE_DATABASE(two, GetParam(), m_temp);
  auto db_one = connect(*one);
  auto db_two = connect(*two);
  ASSERT_TRUE(db_one && db_two);
  build_example(*one, *db_one);
  build_example(*two, *db_two);
  EXPECT_EQ(serialize(snapshot(*db_one)), serialize(snapshot(*db_two)));
}

TEST_P(SchemaFingerprintTest, ColumnAddedByHandIsNamed) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const SchemaSnapshot before = snapshot(*db);
  fixture->sql("ALTER TABLE usuario ADD COLUMN extra INTEGER;");
  const Lines lines = changes(*db, before);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].rfind("column usuario.extra added (", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("nullable)"), std::string::npos) << lines[0];
}

TEST_P(SchemaFingerprintTest, IndexAddedByHandIsNamed) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const SchemaSnapshot before = snapshot(*db);
  fixture->sql("CREATE INDEX ix_usuario_nombre ON usuario (nombre, apellido);");
  EXPECT_EQ(changes(*db, before),
            Lines{"index usuario.ix_usuario_nombre added ((nombre, apellido))"});
}

TEST_P(SchemaFingerprintTest, ForeignKeyDroppedByHandIsNamed) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const SchemaSnapshot before = snapshot(*db);
  switch (GetParam()) {
    case Engine::sqlite:
      rebuild_sqlite_table(*fixture, "curso", [](std::string& ddl) {
        replace_once(ddl,
                     ",\n    CONSTRAINT fk_curso_creado_por FOREIGN KEY (creado_por) "
                     "REFERENCES usuario (id)",
                     "");
      });
      break;
    case Engine::postgresql:
      fixture->sql("ALTER TABLE curso DROP CONSTRAINT fk_curso_creado_por;");
      break;
    case Engine::mysql:
      fixture->sql("ALTER TABLE curso DROP FOREIGN KEY fk_curso_creado_por;");
      break;
  }
  const Lines lines = changes(*db, before);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  const std::string expected = GetParam() == Engine::sqlite
                                   ? "foreign key on curso dropped (FOREIGN KEY (creado_por) "
                                   : "foreign key curso.fk_curso_creado_por dropped (";
  EXPECT_EQ(lines[0].rfind(expected, 0), 0u) << lines[0];
}

TEST_P(SchemaFingerprintTest, ChangedDefaultAndNullabilityAreNamed) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const SchemaSnapshot before = snapshot(*db);
  switch (GetParam()) {
    case Engine::sqlite:
      rebuild_sqlite_table(*fixture, "usuario", [](std::string& ddl) {
        replace_once(ddl, "DEFAULT 'student'", "DEFAULT 'teacher'");
        replace_once(ddl, "nombre VARCHAR(100),", "nombre VARCHAR(100) NOT NULL,");
      });
      break;
    case Engine::postgresql:
      fixture->sql(
          "ALTER TABLE usuario ALTER COLUMN tipo SET DEFAULT 'teacher';"
          "ALTER TABLE usuario ALTER COLUMN nombre SET NOT NULL;");
      break;
    case Engine::mysql:
      fixture->sql(
          "ALTER TABLE usuario ALTER COLUMN tipo SET DEFAULT 'teacher';"
          "ALTER TABLE usuario MODIFY nombre VARCHAR(100) NOT NULL;");
      break;
  }
  const Lines lines = changes(*db, before);
  ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "column usuario.nombre nullable -> not null");
  EXPECT_EQ(lines[1].rfind("column usuario.tipo default 'student'", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find(" -> 'teacher'"), std::string::npos) << lines[1];
}

TEST_P(SchemaFingerprintTest, ViewsAndCheckConstraintsAreNamed) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const SchemaSnapshot before = snapshot(*db);
  fixture->sql("CREATE VIEW activos AS SELECT id, nombre FROM usuario WHERE activo = TRUE;");
  EXPECT_EQ(changes(*db, before), Lines{"view activos added"});
  const SchemaSnapshot with_view = snapshot(*db);
  fixture->sql("DROP VIEW activos; CREATE VIEW activos AS SELECT id FROM usuario;");
  EXPECT_EQ(changes(*db, with_view), Lines{"view activos changed"});
  if (GetParam() == Engine::sqlite) return;  // SQLite's catalog does not expose CHECKs
  const SchemaSnapshot with_changed_view = snapshot(*db);
  fixture->sql("ALTER TABLE curso ADD CONSTRAINT ck_curso_precio CHECK (precio >= 0);");
  const Lines lines = changes(*db, with_changed_view);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].rfind("check constraint curso.ck_curso_precio added (CHECK (", 0), 0u)
      << lines[0];
}

TEST_P(SchemaFingerprintTest, VersionAndLedgerTablesAreLeftOut) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  ASSERT_TRUE(
      apply_version_ops(*db, {}, {{.kind = core::VersionOp::Kind::insert, .to = "a"}}).ok());
  ledger_row(*db, Lines{"a"});
  const std::string before = serialize(snapshot(*db));
  EXPECT_EQ(before.find("alembic_version"), std::string::npos) << before;
  EXPECT_EQ(before.find("migration_agent_log"), std::string::npos) << before;
  ASSERT_TRUE(
      apply_version_ops(*db, {}, {{.kind = core::VersionOp::Kind::update, .from = "a", .to = "b"}})
          .ok());
  ledger_row(*db, Lines{"b"});
  fixture->sql("INSERT INTO system_info (param, valor) VALUES ('x', 'y');");
  EXPECT_EQ(serialize(snapshot(*db)), before);
  // Unless asked for: the scope decides what is left out.
  auto everything = read_schema(*db, {});
  ASSERT_TRUE(everything.ok()) << everything.error().message;
  EXPECT_NE(serialize(*everything).find("\ntable alembic_version\n"), std::string::npos);
}

TEST_P(SchemaFingerprintTest, ScopeCanNameAnotherSchema) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  MAGENT_REQUIRE_DATABASE(other, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  const std::string table = "(id INTEGER NOT NULL PRIMARY KEY, nombre VARCHAR(10));";
  std::string schema;
  switch (GetParam()) {
    case Engine::sqlite:  // an attached database
      other->sql("CREATE TABLE otra " + table);
      schema = "otro";
      ASSERT_TRUE(
          db->execute("ATTACH DATABASE '" + test::test_url(other->url())->database + "' AS otro")
              .ok());
      break;
    case Engine::postgresql:  // a schema of the same database
      schema = "otro";
      fixture->sql("CREATE SCHEMA otro; CREATE TABLE otro.otra " + table);
      break;
    case Engine::mysql:  // another database on the same server
      other->sql("CREATE TABLE otra " + table);
      schema = test::test_url(other->url())->database;
      break;
  }
  auto scoped = read_schema(*db, {.schema = schema});
  ASSERT_TRUE(scoped.ok()) << scoped.error().message;
  ASSERT_EQ(scoped->tables.size(), 1u) << serialize(*scoped);
  EXPECT_EQ(scoped->tables[0].name, "otra");
  EXPECT_EQ(scoped->tables[0].columns.size(), 2u);
  EXPECT_EQ(snapshot(*db).tables.size(), 6u);  // the default scope is unchanged
}

TEST_P(SchemaFingerprintTest, SchemaDifferenceReportsHandMadeDdlAtTheStoredRevision) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  const Lines at{"20260128_090000"};
  auto difference = [&](const Lines& revisions) {
    auto d = schema_difference(*db, k_scope, {}, revisions);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : std::optional<std::string>("<error>");
  };
  EXPECT_EQ(difference(at), std::nullopt);  // no ledger at all
  build_example(*fixture, *db);
  EXPECT_EQ(difference(at), std::nullopt);  // no fingerprint stored
  const std::int64_t row = ledger_row(*db, at);
  auto recorded = record_schema_fingerprint(*db, k_scope, {}, row);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  auto stored = last_stored_schema(*db, {});
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->ledger_id, row);
  EXPECT_EQ((*stored)->versions, at);
  EXPECT_EQ((*stored)->text, *recorded);
  EXPECT_EQ(difference(at), std::nullopt);  // unchanged

  fixture->sql(
      "ALTER TABLE usuario ADD COLUMN extra INTEGER;"
      "CREATE INDEX ix_curso_nombre ON curso (nombre);"
      "CREATE INDEX ix_usuario_apellido ON usuario (apellido);"
      "CREATE TABLE notas (id INTEGER NOT NULL PRIMARY KEY);");
  const auto found = difference(at);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->rfind("index curso.ix_curso_nombre added ((nombre)); table notas added; "
                         "column usuario.extra added (",
                         0),
            0u)
      << *found;
  EXPECT_EQ(found->substr(found->size() - 12), "; and 1 more") << *found;
  // The revision moved (Alembic, or another agent): not drift, whatever the schema.
  EXPECT_EQ(difference({"20260201_000000"}), std::nullopt);
  EXPECT_EQ(difference({}), std::nullopt);
  // Recording again (at the end of the next run) takes the hand-made DDL in.
  ledger_row(*db, at);
  auto again = record_schema_fingerprint(*db, k_scope, {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(difference(at), std::nullopt);
  // A newer fingerprint without recorded revisions cannot be judged.
  fixture->sql("ALTER TABLE usuario ADD COLUMN extra2 INTEGER;");
  ledger_row(*db, std::nullopt);
  ASSERT_TRUE(record_schema_fingerprint(*db, k_scope, {}).ok());
  EXPECT_EQ(difference(at), std::nullopt);
}

TEST_P(SchemaFingerprintTest, ReadsTwoHundredTablesInAFewQueries) {
  MAGENT_REQUIRE_DATABASE(fixture, GetParam(), m_temp);
  auto db = connect(*fixture);
  ASSERT_TRUE(db);
  build_example(*fixture, *db);
  // Median milliseconds of `runs` calls of `work`.
  auto median_ms = [](int runs, const std::function<void()>& work) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      const auto start = std::chrono::steady_clock::now();
      work();
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  };
  auto read = [&] { EXPECT_TRUE(read_schema(*db, k_scope).ok()); };
  const Lines at{"20260128_090000"};
  auto poll = [&] {
    auto d = schema_difference(*db, k_scope, {}, at);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(*d, std::nullopt);
  };
  const double example_ms = median_ms(5, read);
  std::string script;
  for (int i = 0; i < 200; ++i) {
    const std::string t = "bulk_" + std::to_string(i);
    script +=
        "CREATE TABLE " + t + " (id INTEGER NOT NULL, usuario_id VARCHAR(26), " +
        "nombre VARCHAR(100) NOT NULL DEFAULT 'x', cantidad INTEGER DEFAULT 0, " +
        "precio DECIMAL(10, 2), activo BOOLEAN NOT NULL DEFAULT TRUE, creado TIMESTAMP NULL, " +
        "notas TEXT, CONSTRAINT pk_" + t + " PRIMARY KEY (id), CONSTRAINT uq_" + t +
        " UNIQUE (nombre), CONSTRAINT fk_" + t +
        " FOREIGN KEY (usuario_id) REFERENCES usuario (id));\n" + "CREATE INDEX ix_" + t + " ON " +
        t + " (cantidad, creado);\n";
  }
  fixture->sql(script);
  const double bulk_ms = median_ms(5, read);
  const SchemaSnapshot bulk = snapshot(*db);
  EXPECT_EQ(bulk.tables.size(), 206u);
  // The whole text fits the ledger (MySQL's TEXT would stop at 64 KiB) and reads back.
  auto recorded = record_schema_fingerprint(*db, k_scope, {}, ledger_row(*db, at));
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_GT(recorded->size(), 65'536u);
  auto stored = last_stored_schema(*db, {});
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->text, *recorded);
  const double poll_ms = median_ms(5, poll);
  std::cout << "[ timing ] " << test::engine_name(GetParam()) << ": read_schema median "
            << example_ms << " ms (example, 6 tables), " << bulk_ms
            << " ms (206 tables); schema_difference " << poll_ms << " ms (206 tables); text "
            << recorded->size() << " bytes\n";
  RecordProperty("example_ms", std::to_string(example_ms));
  RecordProperty("bulk_ms", std::to_string(bulk_ms));
  RecordProperty("poll_ms", std::to_string(poll_ms));
  EXPECT_LT(poll_ms, 5000.0);  // generous: this only catches a query per table gone quadratic
}

INSTANTIATE_TEST_SUITE_P(Engines, SchemaFingerprintTest, ::testing::ValuesIn(test::all_engines()),
                         test::engine_param_name);

}  // namespace
}  // namespace magent::db
