// The SQLite catalog reader of schema_fingerprint: four queries over sqlite_master joined
// with the pragma table-valued functions, whatever the number of tables.
//
// What the catalog does not expose is not fingerprinted: constraint names (PRIMARY KEY,
// UNIQUE and FOREIGN KEY constraints are known by their columns), CHECK constraints and
// generated-column expressions (SQLite only changes those by rebuilding the table).
#include <algorithm>
#include <map>

#include "agent/db/schema_catalog.hpp"

namespace magent::db::schema_detail {
namespace {

// Runs a catalog query after putting the attached database's sqlite_master in place of
// `{master}`, and `{tables}` for the condition that picks its user tables (alias m).
core::Result<Rows> master_query(Database& db, std::string_view sql, std::size_t columns,
                                const std::string& master, const std::vector<Value>& params) {
  constexpr std::string_view k_user_tables =
      "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
  return catalog_query(db, expand(expand(sql, "{master}", master), "{tables}", k_user_tables),
                       columns, params);
}

// "(lower(correo_electronico)) WHERE x > 0": CREATE INDEX text from its key list on,
// whitespace collapsed. The key list starts at the first parenthesis outside quotes.
std::string index_tail(std::string_view sql) {
  char close = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (close != 0) {
      if (c == close) close = 0;
    } else if (c == '"' || c == '\'' || c == '`') {
      close = c;
    } else if (c == '[') {
      close = ']';
    } else if (c == '(') {
      return collapse_whitespace(sql.substr(i));
    }
  }
  return collapse_whitespace(sql);
}

std::string key_column(const std::string& name, bool descending, const std::string& collation) {
  std::string out = name;
  if (!collation.empty() && collation != "BINARY") out += " COLLATE " + collation;
  if (descending) out += " DESC";
  return out;
}

// Reads the columns (and so the tables) and each table's primary key.
core::Result<void> read_columns(Database& db, const std::string& master, const std::string& schema,
                                CatalogBuilder& builder) {
  auto rows = master_query(db,
                           "SELECT m.name, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk,"
                           " c.hidden FROM {master} m JOIN pragma_table_xinfo(m.name, ?) c"
                           " WHERE {tables} ORDER BY m.name, c.cid",
                           7, master, {schema});
  if (!rows) return rows.error();
  std::map<std::string, std::map<int, std::string>> primary_keys;  // table -> pk order -> column
  for (const Row& row : *rows) {
    SchemaTable& table = builder.declare(text(row, 0));
    SchemaColumn column{.name = text(row, 1),
                        .type = collapse_whitespace(text(row, 2)),
                        .nullable = !flag(row, 3),
                        .default_expr = optional_text(row, 4)};
    std::transform(column.type.begin(), column.type.end(), column.type.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    const std::string hidden = text(row, 6);
    if (hidden == "2") column.extra = "generated virtual";
    if (hidden == "3") column.extra = "generated stored";
    if (const int order = to_int(text(row, 5)); order > 0) {
      primary_keys[table.name][order] = column.name;
    }
    table.columns.push_back(std::move(column));
  }
  for (auto& [table, columns] : primary_keys) {
    std::vector<std::string> names;
    for (auto& [order, name] : columns) names.push_back(name);
    builder.declare(table).constraints.push_back(
        {ConstraintKind::primary_key, "", "PRIMARY KEY (" + join(names) + ")"});
  }
  return {};
}

// Indexes made by CREATE INDEX, and UNIQUE constraints (their automatic indexes). The
// primary key's automatic index is the primary key, read with the columns.
core::Result<void> read_indexes(Database& db, const std::string& master, const std::string& schema,
                                CatalogBuilder& builder) {
  auto rows = master_query(
      db,
      "SELECT m.name, il.name, il.\"unique\", il.origin, ix.name, ix.\"desc\", ix.coll, s.sql"
      " FROM {master} m JOIN pragma_index_list(m.name, ?) il"
      " JOIN pragma_index_xinfo(il.name, ?) ix"
      " LEFT JOIN {master} s ON s.type = 'index' AND s.name = il.name"
      " WHERE {tables} AND ix.key = 1 ORDER BY m.name, il.name, ix.seqno",
      8, master, {schema, schema});
  if (!rows) return rows.error();
  struct Index {
    std::string table, origin, sql;
    bool unique = false;
    std::vector<std::string> keys;
  };
  std::map<std::pair<std::string, std::string>, Index> indexes;
  for (const Row& row : *rows) {
    Index& index = indexes[{text(row, 0), text(row, 1)}];
    index.table = text(row, 0);
    index.unique = flag(row, 2);
    index.origin = text(row, 3);
    index.sql = text(row, 7);
    index.keys.push_back(
        key_column(row.at(4).value_or("<expression>"), flag(row, 5), text(row, 6)));
  }
  for (auto& [key, index] : indexes) {
    SchemaTable* table = builder.find(index.table);
    if (table == nullptr || index.origin == "pk") continue;
    if (index.origin == "u") {
      table->constraints.push_back(
          {ConstraintKind::unique, "", "UNIQUE (" + join(index.keys) + ")"});
      continue;
    }
    const std::string definition =
        index.sql.empty() ? "(" + join(index.keys) + ")" : index_tail(index.sql);
    table->indexes.push_back({key.second, index.unique, definition});
  }
  return {};
}

core::Result<void> read_foreign_keys(Database& db, const std::string& master,
                                     const std::string& schema, CatalogBuilder& builder) {
  auto rows = master_query(db,
                           "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update,"
                           " f.on_delete, f.\"match\""
                           " FROM {master} m JOIN pragma_foreign_key_list(m.name, ?) f"
                           " WHERE {tables} ORDER BY m.name, f.id, f.seq",
                           8, master, {schema});
  if (!rows) return rows.error();
  struct ForeignKey {
    std::string referenced, on_update, on_delete, match;
    std::vector<std::string> from, to;
  };
  std::map<std::pair<std::string, std::string>, ForeignKey> keys;
  for (const Row& row : *rows) {
    ForeignKey& fk = keys[{text(row, 0), text(row, 1)}];
    fk.referenced = text(row, 2);
    fk.on_update = text(row, 5);
    fk.on_delete = text(row, 6);
    fk.match = text(row, 7);
    fk.from.push_back(text(row, 3));
    if (row.at(4)) fk.to.push_back(*row.at(4));  // NULL: the referenced primary key
  }
  for (auto& [key, fk] : keys) {
    SchemaTable* table = builder.find(key.first);
    if (table == nullptr) continue;
    std::string definition = "FOREIGN KEY (" + join(fk.from) + ") REFERENCES " + fk.referenced;
    if (!fk.to.empty()) definition += " (" + join(fk.to) + ")";
    if (fk.on_update != "NO ACTION") definition += " ON UPDATE " + fk.on_update;
    if (fk.on_delete != "NO ACTION") definition += " ON DELETE " + fk.on_delete;
    if (fk.match != "NONE") definition += " MATCH " + fk.match;
    table->constraints.push_back({ConstraintKind::foreign_key, "", definition});
  }
  return {};
}

}  // namespace

core::Result<SchemaSnapshot> read_sqlite_catalog(Database& db, const std::string& schema) {
  const std::string name = schema.empty() ? std::string("main") : schema;
  const std::string master = db.quote_identifier(name) + ".sqlite_master";
  CatalogBuilder builder;
  if (auto r = read_columns(db, master, name, builder); !r) return r.error();
  if (auto r = read_indexes(db, master, name, builder); !r) return r.error();
  if (auto r = read_foreign_keys(db, master, name, builder); !r) return r.error();
  auto views =
      master_query(db, "SELECT name, sql FROM {master} WHERE type = 'view'", 2, master, {});
  if (!views) return views.error();
  for (const Row& row : *views) builder.add_view(text(row, 0), text(row, 1));
  return builder.finish(core::Dialect::sqlite);
}

}  // namespace magent::db::schema_detail
