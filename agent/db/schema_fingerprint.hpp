#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"
#include "agent/db/database.hpp"
#include "agent/db/sql_dialect.hpp"

// The live schema as one canonical value, for `drift{kind="schema"}`: after a successful
// run the agent stores a snapshot's text in the ledger; on every poll it reads the schema
// again and compares. Engine-neutral API; the per-engine catalog queries live in
// schema_catalog_{sqlite,postgres,mysql}.cpp and use only Database::query.
//
// Canonical means: the same schema always gives the same snapshot and the same text.
// Tables, indexes, constraints and views are sorted by name; columns keep their ordinal
// (creation) order, because `SELECT *` and positional INSERTs see it and a dropped and
// re-added column really does move to the end. Values are as the engine's catalog
// normalizes them (PostgreSQL `character varying(20)`, MariaDB `varchar(20)`, SQLite the
// declared type in lower case), so snapshots compare within one engine, never across.
namespace magent::db {

// Which part of the database a snapshot covers.
struct SchemaScope {
  // PostgreSQL schema, MySQL database or SQLite attached database; empty = the connection's
  // default (current_schema(), DATABASE(), main).
  std::string schema;
  // Tables left out: the version table and the ledger, whose rows change on every run.
  // Matched exactly on PostgreSQL, ignoring ASCII case on SQLite and MySQL.
  std::vector<std::string> excluded_tables;
};

// The default schema without `version_table` and `ledger_table`.
SchemaScope schema_scope_for(const VersionTable& version_table, const LedgerTable& ledger_table);

// One column. `default_expr` is nullopt when there is none; an explicit DEFAULT NULL counts
// as none (it means the same). `extra` holds what only some engines have, in words:
// "identity always", "auto_increment", "collate C", "generated always as (a * 2) stored".
struct SchemaColumn {
  std::string name;
  std::string type;
  bool nullable = true;
  std::optional<std::string> default_expr;
  std::string extra;
  bool operator==(const SchemaColumn&) const = default;
};

// An index that is not a constraint's own (PostgreSQL and SQLite keep those as
// constraints; on MySQL every UNIQUE constraint is a unique index). `definition` is the
// key list and options, e.g. "(lower((correo_electronico)::text))" or "(a, b) WHERE b > 0".
struct SchemaIndex {
  std::string name;
  bool unique = false;
  std::string definition;
  bool operator==(const SchemaIndex&) const = default;
};

enum class ConstraintKind { primary_key, unique, foreign_key, check, exclusion };

// A constraint. `name` is empty where the catalog exposes none (SQLite); such constraints
// are known by their definition. `definition` is the engine's own text where it has one
// (PostgreSQL's pg_get_constraintdef), else built alike: "FOREIGN KEY (a) REFERENCES t (id)".
struct SchemaConstraint {
  ConstraintKind kind = ConstraintKind::primary_key;
  std::string name;
  std::string definition;
  bool operator==(const SchemaConstraint&) const = default;
};

struct SchemaTable {
  std::string name;
  std::vector<SchemaColumn> columns;  // ordinal order
  std::vector<SchemaIndex> indexes;
  std::vector<SchemaConstraint> constraints;
  bool operator==(const SchemaTable&) const = default;
};

// A view (or PostgreSQL materialized view), its definition whitespace-collapsed.
struct SchemaView {
  std::string name;
  std::string definition;
  bool operator==(const SchemaView&) const = default;
};

struct SchemaSnapshot {
  core::Dialect dialect = core::Dialect::sqlite;
  std::vector<SchemaTable> tables;
  std::vector<SchemaView> views;
  bool operator==(const SchemaSnapshot&) const = default;
};

// "primary key", "unique constraint", "foreign key", "check constraint", "exclusion
// constraint": the words diff() uses.
std::string_view describe(ConstraintKind kind);

// Reads the schema `scope` names from the catalog: a handful of queries whatever the
// number of tables (SQLite 4, PostgreSQL 4, MySQL/MariaDB 7). Read-only; creates nothing.
core::Result<SchemaSnapshot> read_schema(Database& db, const SchemaScope& scope);

// Puts `snapshot` in canonical order and form (sorting, DEFAULT NULL as no default) and
// drops the tables `scope` excludes. read_schema() and deserialize() return canonical
// snapshots already; this is for snapshots built by hand.
void canonicalize(SchemaSnapshot& snapshot, const SchemaScope& scope = {});

// The snapshot as compact canonical text, one line per object, e.g.
//   schema-snapshot 1 postgresql
//   table usuario
//   column usuario telefono "character varying(20)" null
//   column usuario tipo "character varying(15)" not-null default "'student'::character varying"
//   index usuario ix_usuario_correo_lower non-unique "(lower((correo_electronico)::text))"
//   foreign-key curso fk_curso_creado_por "FOREIGN KEY (creado_por) REFERENCES usuario(id)"
// Fields are separated by one space; a field that is empty or holds a space, a quote, a
// backslash or a control character is written in double quotes with C escapes.
std::string serialize(const SchemaSnapshot& snapshot);

// Reads serialize()'s text back. ErrorKind::parse naming the line for anything else,
// including a format version this build does not know.
core::Result<SchemaSnapshot> deserialize(std::string_view text);

// Lowercase hex SHA-256 of serialize(snapshot): equal hashes, equal schemas.
core::Result<std::string> fingerprint_hash(const SchemaSnapshot& snapshot);

// What changed from `before` to `after`, one line per change in operator words, in
// table order ("table x added", "column usuario.extra added (integer, nullable)",
// "column usuario.nombre type varchar(100) -> varchar(200)", "index usuario.ix dropped",
// "foreign key curso.fk_x changed (...)"). Empty when the snapshots are equal.
std::vector<std::string> diff(const SchemaSnapshot& before, const SchemaSnapshot& after);

}  // namespace magent::db
