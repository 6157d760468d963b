#include "agent/db/schema_fingerprint.hpp"

#include <gtest/gtest.h>

#include "agent/db/schema_drift.hpp"
#include "agent/platform/sha256.hpp"

namespace magent::db {
namespace {

using core::Dialect;
using Lines = std::vector<std::string>;

SchemaColumn column(std::string name, std::string type, bool nullable = true,
                    std::optional<std::string> default_expr = std::nullopt,
                    std::string extra = "") {
  return {std::move(name), std::move(type), nullable, std::move(default_expr), std::move(extra)};
}

// The example set's usuario and curso tables, roughly as PostgreSQL describes them.
SchemaSnapshot example() {
  SchemaSnapshot s{.dialect = Dialect::postgresql};
  s.tables.push_back(
      {.name = "curso",
       .columns = {column("id", "character varying(26)", false),
                   column("estado", "character varying(10)", false, "'draft'::character varying"),
                   column("creado_por", "character varying(26)")},
       .indexes = {{"ix_curso_estado", false, "(estado)"}},
       .constraints = {{ConstraintKind::primary_key, "pk_curso", "PRIMARY KEY (id)"},
                       {ConstraintKind::foreign_key, "fk_curso_creado_por",
                        "FOREIGN KEY (creado_por) REFERENCES usuario(id)"}}});
  s.tables.push_back(
      {.name = "usuario",
       .columns = {column("id", "character varying(26)", false),
                   column("nombre", "character varying(100)"),
                   column("telefono", "character varying(20)")},
       .indexes = {{"ix_usuario_correo_lower", false, "(lower((correo_electronico)::text))"}},
       .constraints = {{ConstraintKind::primary_key, "pk_usuario", "PRIMARY KEY (id)"},
                       {ConstraintKind::unique, "uq_usuario_nombre", "UNIQUE (nombre)"}}});
  s.views.push_back({"activos", "SELECT id FROM usuario"});
  return s;
}

SchemaTable& table(SchemaSnapshot& s, std::string_view name) {
  for (SchemaTable& t : s.tables) {
    if (t.name == name) return t;
  }
  ADD_FAILURE() << "no table " << name;
  return s.tables.front();
}

TEST(SchemaText, SerializesOneLinePerObjectQuotingOnlyWhereNeeded) {
  EXPECT_EQ(serialize(example()),
            "schema-snapshot 1 postgresql\n"
            "table curso\n"
            "column curso id \"character varying(26)\" not-null\n"
            "column curso estado \"character varying(10)\" not-null default "
            "\"'draft'::character varying\"\n"
            "column curso creado_por \"character varying(26)\" null\n"
            "index curso ix_curso_estado non-unique (estado)\n"
            "primary-key curso pk_curso \"PRIMARY KEY (id)\"\n"
            "foreign-key curso fk_curso_creado_por "
            "\"FOREIGN KEY (creado_por) REFERENCES usuario(id)\"\n"
            "table usuario\n"
            "column usuario id \"character varying(26)\" not-null\n"
            "column usuario nombre \"character varying(100)\" null\n"
            "column usuario telefono \"character varying(20)\" null\n"
            "index usuario ix_usuario_correo_lower non-unique (lower((correo_electronico)::text))\n"
            "primary-key usuario pk_usuario \"PRIMARY KEY (id)\"\n"
            "unique usuario uq_usuario_nombre \"UNIQUE (nombre)\"\n"
            "view activos \"SELECT id FROM usuario\"\n");
}

TEST(SchemaText, RoundTripsEveryField) {
  const SchemaSnapshot s = example();
  auto back = deserialize(serialize(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(SchemaText, RoundTripsAwkwardText) {
  SchemaSnapshot s{.dialect = Dialect::mysql};
  s.tables.push_back({.name = "odd \"name\"",
                      .columns = {column("a\\b", "enum('x','y z')", false, "'tab\there\nnewline'",
                                         "collate utf8mb4_bin, on update current_timestamp()"),
                                  column("ñandú", "varchar(5)", true, "''"),
                                  column("ctl", "text", true, std::string("\x01\x7f", 2))},
                      .indexes = {{"", true, "(a\\b)"}},
                      .constraints = {{ConstraintKind::check, "", "CHECK (`a\\b` <> '\r')"}}});
  auto back = deserialize(serialize(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(serialize(s).find('\t'), std::string::npos);
  EXPECT_EQ(serialize(s).find('\r'), std::string::npos);
}

TEST(SchemaText, ReadsAnEmptySchema) {
  auto back = deserialize("schema-snapshot 1 sqlite\n");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, SchemaSnapshot{.dialect = Dialect::sqlite});
}

TEST(SchemaText, RejectsMalformedTextNamingTheLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "line 1"},
      {"hello\n", "line 1: not a schema snapshot"},
      {"schema-snapshot 2 sqlite\n", "unknown format version 2"},
      {"schema-snapshot 1 oracle\n", "unknown dialect oracle"},
      {"schema-snapshot 1 sqlite\ncolumn t a integer null\n", "line 2: column of unlisted table t"},
      {"schema-snapshot 1 sqlite\ntable t\ntable t\n", "line 3: table t listed twice"},
      {"schema-snapshot 1 sqlite\ntable t\ncolumn t a integer maybe\n", "line 3"},
      {"schema-snapshot 1 sqlite\ntable t\ncolumn t a integer null default\n", "without a value"},
      {"schema-snapshot 1 sqlite\ntable t\ncolumn t a integer null colour red\n", "colour"},
      {"schema-snapshot 1 sqlite\ntable \"t\n", "malformed field"},
      {"schema-snapshot 1 sqlite\ntable \"t\\q\"\n", "malformed field"},
      {"schema-snapshot 1 sqlite\ntable  t\n", "malformed field"},
      {"schema-snapshot 1 sqlite\ntable t\ntrigger t x y\n", "unknown object kind trigger"},
      {"schema-snapshot 1 sqlite\n\n", "line 2: empty line"},
  };
  for (const auto& [text, expected] : cases) {
    auto r = deserialize(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().kind, core::ErrorKind::parse);
    EXPECT_NE(r.error().message.find(expected), std::string::npos)
        << text << " -> " << r.error().message;
  }
}

TEST(SchemaFingerprint, HashIsTheSha256OfTheTextAndStable) {
  auto first = fingerprint_hash(example());
  auto second = fingerprint_hash(example());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(*first, *platform::sha256_hex(serialize(example())));
  SchemaSnapshot changed = example();
  table(changed, "usuario").columns[1].type = "character varying(200)";
  EXPECT_NE(*fingerprint_hash(changed), *first);
}

TEST(SchemaFingerprint, CanonicalizeSortsEverythingButColumns) {
  SchemaSnapshot shuffled = example();
  std::swap(shuffled.tables[0], shuffled.tables[1]);
  auto& curso = table(shuffled, "curso");
  std::swap(curso.constraints[0], curso.constraints[1]);
  canonicalize(shuffled);
  EXPECT_EQ(shuffled, example());
  SchemaSnapshot reordered = example();
  std::swap(table(reordered, "usuario").columns[1], table(reordered, "usuario").columns[2]);
  canonicalize(reordered);
  EXPECT_NE(serialize(reordered), serialize(example()));
}

TEST(SchemaFingerprint, CanonicalizeTreatsDefaultNullAsNoDefault) {
  SchemaSnapshot s = example();
  auto& columns = table(s, "usuario").columns;
  columns[1].default_expr = "NULL";
  columns[2].default_expr = "NULL::character varying";
  canonicalize(s);
  EXPECT_EQ(s, example());
  columns[2].default_expr = "nullif(a, b)";
  canonicalize(s);
  EXPECT_EQ(columns[2].default_expr, "nullif(a, b)");
}

TEST(SchemaFingerprint, ExcludedTablesIgnoreCaseExceptOnPostgres) {
  SchemaSnapshot pg = example();
  canonicalize(pg, {.excluded_tables = {"USUARIO", "curso"}});
  ASSERT_EQ(pg.tables.size(), 1u);
  EXPECT_EQ(pg.tables[0].name, "usuario");
  SchemaSnapshot sqlite = example();
  sqlite.dialect = Dialect::sqlite;
  canonicalize(sqlite, schema_scope_for({.name = "USUARIO"}, {.name = "curso"}));
  EXPECT_TRUE(sqlite.tables.empty());
}

TEST(SchemaDiff, EqualSnapshotsHaveNoDifferences) {
  EXPECT_EQ(diff(example(), example()), Lines{});
}

TEST(SchemaDiff, NamesAddedAndDroppedTablesOnly) {
  SchemaSnapshot after = example();
  after.tables.erase(after.tables.begin());
  after.tables.push_back({.name = "zeta", .columns = {column("id", "integer", false)}});
  EXPECT_EQ(diff(example(), after), (Lines{"table curso dropped", "table zeta added"}));
}

TEST(SchemaDiff, NamesEachColumnChange) {
  SchemaSnapshot after = example();
  auto& columns = table(after, "usuario").columns;
  columns[1].type = "character varying(200)";  // nombre
  columns[2].nullable = false;                 // telefono
  columns[2].default_expr = "'n/a'::character varying";
  columns[0].extra = "identity always";
  columns.push_back(column("extra", "integer"));
  table(after, "curso").columns.pop_back();  // creado_por
  EXPECT_EQ(
      diff(example(), after),
      (Lines{"column curso.creado_por dropped", "column usuario.id extra none -> identity always",
             "column usuario.nombre type character varying(100) -> character varying(200)",
             "column usuario.telefono nullable -> not null",
             "column usuario.telefono default none -> 'n/a'::character varying",
             "column usuario.extra added (integer, nullable)"}));
}

TEST(SchemaDiff, NamesAReorderOfSurvivingColumns) {
  SchemaSnapshot after = example();
  auto& columns = table(after, "usuario").columns;
  std::swap(columns[1], columns[2]);
  EXPECT_EQ(diff(example(), after),
            Lines{"columns of usuario reordered (id, nombre, telefono -> id, telefono, nombre)"});
  // An added or dropped column alone is not a reorder.
  SchemaSnapshot dropped = example();
  table(dropped, "usuario").columns.erase(table(dropped, "usuario").columns.begin() + 1);
  EXPECT_EQ(diff(example(), dropped), Lines{"column usuario.nombre dropped"});
}

TEST(SchemaDiff, NamesIndexChanges) {
  SchemaSnapshot after = example();
  table(after, "curso").indexes.clear();
  table(after, "usuario").indexes[0].unique = true;
  table(after, "usuario").indexes.push_back({"ix_usuario_nombre", false, "(nombre)"});
  EXPECT_EQ(diff(example(), after),
            (Lines{"index curso.ix_curso_estado dropped",
                   "index usuario.ix_usuario_correo_lower changed ((lower((correo_electronico)::"
                   "text)) -> unique (lower((correo_electronico)::text)))",
                   "index usuario.ix_usuario_nombre added ((nombre))"}));
}

TEST(SchemaDiff, NamesConstraintChanges) {
  SchemaSnapshot after = example();
  auto& curso = table(after, "curso").constraints;
  curso.pop_back();  // the foreign key
  curso.push_back({ConstraintKind::check, "ck_estado", "CHECK (estado <> '')"});
  table(after, "usuario").constraints[1].definition = "UNIQUE (nombre, id)";
  EXPECT_EQ(diff(example(), after),
            (Lines{"foreign key curso.fk_curso_creado_por dropped "
                   "(FOREIGN KEY (creado_por) REFERENCES usuario(id))",
                   "check constraint curso.ck_estado added (CHECK (estado <> ''))",
                   "unique constraint usuario.uq_usuario_nombre changed "
                   "(UNIQUE (nombre) -> UNIQUE (nombre, id))"}));
}

TEST(SchemaDiff, UnnamedConstraintsAreKnownByTheirDefinition) {
  SchemaSnapshot before{.dialect = Dialect::sqlite};
  before.tables.push_back({.name = "curso",
                           .columns = {column("creado_por", "varchar(26)")},
                           .constraints = {{ConstraintKind::foreign_key, "",
                                            "FOREIGN KEY (creado_por) REFERENCES usuario (id)"}}});
  SchemaSnapshot after = before;
  after.tables[0].constraints[0].definition += " ON DELETE CASCADE";
  EXPECT_EQ(
      diff(before, after),
      (Lines{"foreign key on curso dropped (FOREIGN KEY (creado_por) REFERENCES usuario (id))",
             "foreign key on curso added (FOREIGN KEY (creado_por) REFERENCES usuario (id) "
             "ON DELETE CASCADE)"}));
}

TEST(SchemaDiff, NamesViewChanges) {
  SchemaSnapshot after = example();
  after.views[0].definition = "SELECT id, nombre FROM usuario";
  after.views.push_back({"cursos", "SELECT id FROM curso"});
  EXPECT_EQ(diff(example(), after), (Lines{"view activos changed", "view cursos added"}));
  after.views.clear();
  EXPECT_EQ(diff(example(), after), Lines{"view activos dropped"});
}

TEST(SchemaDrift, SummaryShowsTheFirstChangesAndCountsTheRest) {
  EXPECT_EQ(summarize_changes({}), "");
  EXPECT_EQ(summarize_changes({"a"}), "a");
  EXPECT_EQ(summarize_changes({"a", "b", "c"}), "a; b; c");
  EXPECT_EQ(summarize_changes({"a", "b", "c", "d", "e"}), "a; b; c; and 2 more");
  EXPECT_EQ(summarize_changes({"a", "b"}, 1), "a; and 1 more");
}

}  // namespace
}  // namespace magent::db
