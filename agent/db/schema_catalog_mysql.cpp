// The MySQL/MariaDB catalog reader of schema_fingerprint: seven queries over
// information_schema for one database, whatever the number of tables. Every query names
// the database as a constant, so the server reads only that database's definitions.
//
// On MySQL/MariaDB a UNIQUE constraint is a unique index (and CREATE UNIQUE INDEX makes
// one), so both appear as unique indexes; the primary key appears as a constraint, as do
// foreign keys and CHECK constraints. Not fingerprinted: triggers, routines, events,
// table options (engine, row format) and comments.
#include <algorithm>
#include <array>
#include <map>

#include "agent/db/schema_catalog.hpp"

namespace magent::db::schema_detail {
namespace {

struct Server {
  std::string schema;  // the database in scope, resolved
  bool mariadb = false;
  bool check_constraints = false;  // information_schema.CHECK_CONSTRAINTS exists
};

// "10.11.19-MariaDB-0+deb12u1" -> {10, 11, 19}; missing parts are 0.
std::array<int, 3> version_numbers(std::string_view version) {
  std::array<int, 3> out{};
  std::size_t at = 0;
  for (int& part : out) {
    const std::size_t end = std::min(version.find_first_not_of("0123456789", at), version.size());
    part = to_int(version.substr(at, end - at));
    if (end == version.size() || version[end] != '.') break;
    at = end + 1;
  }
  return out;
}

// Resolves the database in scope and what the server's information_schema offers.
core::Result<Server> probe(Database& db, const std::string& schema) {
  auto rows =
      catalog_query(db, "SELECT COALESCE(NULLIF(?, ''), DATABASE()), VERSION()", 2, {schema});
  if (!rows) return rows.error();
  if (rows->empty() || !rows->front().at(0)) {
    return core::make_error(core::ErrorKind::config,
                            "no database selected: name one in the URL to fingerprint its schema");
  }
  Server server{.schema = text(rows->front(), 0)};
  const std::string version = text(rows->front(), 1);
  server.mariadb = version.find("MariaDB") != std::string::npos;
  // CHECK_CONSTRAINTS: MariaDB since 10.2, MySQL since 8.0.16.
  const std::array<int, 3> numbers = version_numbers(version);
  server.check_constraints = server.mariadb ? numbers >= std::array<int, 3>{10, 2, 0}
                                            : numbers >= std::array<int, 3>{8, 0, 16};
  return server;
}

core::Result<void> read_columns(Database& db, const Server& server, CatalogBuilder& builder) {
  auto tables = catalog_query(db,
                              "SELECT TABLE_NAME FROM information_schema.TABLES"
                              " WHERE TABLE_SCHEMA = ?"
                              " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
                              1, {server.schema});
  if (!tables) return tables.error();
  for (const Row& row : *tables) builder.declare(text(row, 0));
  auto rows = catalog_query(db,
                            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,"
                            " COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLLATION_NAME"
                            " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?"
                            " ORDER BY TABLE_NAME, ORDINAL_POSITION",
                            8, {server.schema});
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    SchemaTable* table = builder.find(text(row, 0));
    if (table == nullptr) continue;  // a view's columns
    SchemaColumn column{.name = text(row, 1),
                        .type = text(row, 2),
                        .nullable = flag(row, 3),
                        .default_expr = optional_text(row, 4)};
    std::vector<std::string> extra;
    if (!text(row, 5).empty()) extra.push_back(text(row, 5));
    if (!text(row, 6).empty()) extra.push_back("as (" + text(row, 6) + ")");
    if (!text(row, 7).empty()) extra.push_back("collate " + text(row, 7));
    column.extra = join(extra);
    table->columns.push_back(std::move(column));
  }
  return {};
}

// Every index; PRIMARY is the primary key.
core::Result<void> read_indexes(Database& db, const Server& server, CatalogBuilder& builder) {
  auto rows = catalog_query(db,
                            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART,"
                            " COLLATION, INDEX_TYPE FROM information_schema.STATISTICS"
                            " WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
                            7, {server.schema});
  if (!rows) return rows.error();
  struct Index {
    bool unique = false;
    std::string type;
    std::vector<std::string> keys;
  };
  std::map<std::pair<std::string, std::string>, Index> indexes;
  for (const Row& row : *rows) {
    Index& index = indexes[{text(row, 0), text(row, 1)}];
    index.unique = text(row, 2) == "0";
    index.type = text(row, 6);
    std::string key = row.at(3).value_or("<expression>");
    if (row.at(4)) key += "(" + *row.at(4) + ")";
    if (text(row, 5) == "D") key += " DESC";
    index.keys.push_back(std::move(key));
  }
  for (auto& [key, index] : indexes) {
    SchemaTable* table = builder.find(key.first);
    if (table == nullptr) continue;
    const std::string columns = "(" + join(index.keys) + ")";
    if (key.second == "PRIMARY") {
      table->constraints.push_back(
          {ConstraintKind::primary_key, key.second, "PRIMARY KEY " + columns});
      continue;
    }
    const std::string prefix = index.type == "BTREE" ? "" : "USING " + index.type + " ";
    table->indexes.push_back({key.second, index.unique, prefix + columns});
  }
  return {};
}

core::Result<void> read_foreign_keys(Database& db, const Server& server, CatalogBuilder& builder) {
  auto rows = catalog_query(
      db,
      "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA,"
      " k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE"
      " FROM information_schema.KEY_COLUMN_USAGE k"
      " JOIN information_schema.REFERENTIAL_CONSTRAINTS r"
      "   ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME"
      "   AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME"
      " WHERE k.TABLE_SCHEMA = ? AND r.CONSTRAINT_SCHEMA = ?"
      " AND k.REFERENCED_TABLE_NAME IS NOT NULL"
      " ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
      8, {server.schema, server.schema});
  if (!rows) return rows.error();
  struct ForeignKey {
    std::string referenced, on_update, on_delete;
    std::vector<std::string> from, to;
  };
  std::map<std::pair<std::string, std::string>, ForeignKey> keys;
  for (const Row& row : *rows) {
    ForeignKey& fk = keys[{text(row, 0), text(row, 1)}];
    const std::string referenced_schema = text(row, 3);
    fk.referenced =
        referenced_schema == server.schema ? text(row, 4) : referenced_schema + "." + text(row, 4);
    fk.on_update = text(row, 6);
    fk.on_delete = text(row, 7);
    fk.from.push_back(text(row, 2));
    fk.to.push_back(text(row, 5));
  }
  for (auto& [key, fk] : keys) {
    SchemaTable* table = builder.find(key.first);
    if (table == nullptr) continue;
    std::string definition = "FOREIGN KEY (" + join(fk.from) + ") REFERENCES " + fk.referenced +
                             " (" + join(fk.to) + ")";
    auto is_default = [](const std::string& rule) {
      return rule == "RESTRICT" || rule == "NO ACTION";
    };
    if (!is_default(fk.on_update)) definition += " ON UPDATE " + fk.on_update;
    if (!is_default(fk.on_delete)) definition += " ON DELETE " + fk.on_delete;
    table->constraints.push_back({ConstraintKind::foreign_key, key.second, definition});
  }
  return {};
}

core::Result<void> read_checks(Database& db, const Server& server, CatalogBuilder& builder) {
  if (!server.check_constraints) return {};
  // MariaDB names checks per table (a column check is named after its column) and lists
  // the table; MySQL names them per database and lists the table only in TABLE_CONSTRAINTS.
  const std::string sql =
      server.mariadb ? "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE"
                       " FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?"
                     : "SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE"
                       " FROM information_schema.TABLE_CONSTRAINTS tc"
                       " JOIN information_schema.CHECK_CONSTRAINTS cc"
                       "   ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA"
                       "   AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME"
                       " WHERE tc.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE = 'CHECK'";
  auto rows = catalog_query(db, sql, 3, {server.schema});
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    SchemaTable* table = builder.find(text(row, 0));
    if (table == nullptr) continue;
    table->constraints.push_back(
        {ConstraintKind::check, text(row, 1), "CHECK (" + collapse_whitespace(text(row, 2)) + ")"});
  }
  return {};
}

}  // namespace

core::Result<SchemaSnapshot> read_mysql_catalog(Database& db, const std::string& schema) {
  auto server = probe(db, schema);
  if (!server) return server.error();
  CatalogBuilder builder;
  if (auto r = read_columns(db, *server, builder); !r) return r.error();
  if (auto r = read_indexes(db, *server, builder); !r) return r.error();
  if (auto r = read_foreign_keys(db, *server, builder); !r) return r.error();
  if (auto r = read_checks(db, *server, builder); !r) return r.error();
  auto views = catalog_query(db,
                             "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS"
                             " WHERE TABLE_SCHEMA = ?",
                             2, {server->schema});
  if (!views) return views.error();
  for (const Row& row : *views) builder.add_view(text(row, 0), text(row, 1));
  return builder.finish(core::Dialect::mysql);
}

}  // namespace magent::db::schema_detail
