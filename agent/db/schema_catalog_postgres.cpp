// The PostgreSQL catalog reader of schema_fingerprint: four queries over pg_catalog,
// restricted to one schema, whatever the number of tables. Types come from format_type,
// defaults and generation expressions from pg_get_expr, indexes from pg_get_indexdef and
// constraints from pg_get_constraintdef: the server's own normalized text.
//
// Not fingerprinted: sequences, types (an enum gaining a value), functions, triggers,
// policies, grants and comments.
#include "agent/db/schema_catalog.hpp"

namespace magent::db::schema_detail {
namespace {

// Runs a catalog query whose `{in_scope}` restricts namespace `n` to the schema in scope:
// the one named, else the connection's current schema.
core::Result<Rows> scoped_query(Database& db, std::string_view sql, std::size_t columns,
                                const std::string& schema) {
  constexpr std::string_view k_in_scope =
      "n.nspname = COALESCE(NULLIF(?::text, ''), pg_catalog.current_schema())";
  return catalog_query(db, expand(sql, "{in_scope}", k_in_scope), columns, {schema});
}

std::string identity(std::string_view code) {
  if (code == "a") return "identity always";
  if (code == "d") return "identity by default";
  return "";
}

void add_extra(std::string& extra, const std::string& part) {
  if (part.empty()) return;
  if (!extra.empty()) extra += ", ";
  extra += part;
}

core::Result<void> read_columns(Database& db, const std::string& schema, CatalogBuilder& builder) {
  // LEFT JOIN pg_attribute: a table without columns is still a table.
  auto rows = scoped_query(
      db,
      "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
      " a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity,"
      " a.attgenerated, CASE WHEN a.attcollation <> t.typcollation THEN co.collname END"
      " FROM pg_catalog.pg_class c"
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " LEFT JOIN pg_catalog.pg_attribute a"
      "   ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
      " LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
      " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
      " LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation"
      " WHERE {in_scope} AND c.relkind IN ('r', 'p')"
      " ORDER BY c.relname, a.attnum",
      8, schema);
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    SchemaTable& table = builder.declare(text(row, 0));
    if (!row.at(1)) continue;  // no columns
    SchemaColumn column{.name = text(row, 1), .type = text(row, 2), .nullable = !flag(row, 3)};
    add_extra(column.extra, identity(text(row, 5)));
    if (text(row, 6) == "s") {
      add_extra(column.extra, "generated always as (" + text(row, 4) + ") stored");
    } else {
      column.default_expr = optional_text(row, 4);
    }
    if (row.at(7)) add_extra(column.extra, "collate " + *row.at(7));
    table.columns.push_back(std::move(column));
  }
  return {};
}

// Indexes that are not a constraint's own (those are read as constraints).
core::Result<void> read_indexes(Database& db, const std::string& schema, CatalogBuilder& builder) {
  auto rows = scoped_query(db,
                           "SELECT t.relname, i.relname, x.indisunique, am.amname,"
                           " pg_catalog.pg_get_indexdef(x.indexrelid), x.indisvalid"
                           " FROM pg_catalog.pg_index x"
                           " JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
                           " JOIN pg_catalog.pg_class t ON t.oid = x.indrelid"
                           " JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
                           " JOIN pg_catalog.pg_am am ON am.oid = i.relam"
                           " WHERE {in_scope} AND t.relkind IN ('r', 'p')"
                           " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k"
                           "   WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid"
                           "   AND k.contype IN ('p', 'u', 'x'))",
                           6, schema);
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    SchemaTable* table = builder.find(text(row, 0));
    if (table == nullptr) continue;
    // "CREATE INDEX ix ON public.t USING btree (a) WHERE ...": keep what follows the
    // method, and the method itself unless it is the default.
    const std::string method = text(row, 3);
    const std::string statement = text(row, 4);
    const std::string marker = " USING " + method + " ";
    const std::size_t at = statement.find(marker);
    std::string definition =
        at == std::string::npos ? statement : statement.substr(at + marker.size());
    if (method != "btree") definition = "USING " + method + " " + definition;
    if (!flag(row, 5)) definition += " INVALID";
    table->indexes.push_back({text(row, 1), flag(row, 2), definition});
  }
  return {};
}

core::Result<void> read_constraints(Database& db, const std::string& schema,
                                    CatalogBuilder& builder) {
  auto rows = scoped_query(
      db,
      "SELECT t.relname, k.conname, k.contype, pg_catalog.pg_get_constraintdef(k.oid, true)"
      " FROM pg_catalog.pg_constraint k"
      " JOIN pg_catalog.pg_class t ON t.oid = k.conrelid"
      " JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
      " WHERE {in_scope} AND t.relkind IN ('r', 'p') AND k.contype IN ('p', 'u', 'f', 'c', 'x')",
      4, schema);
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    SchemaTable* table = builder.find(text(row, 0));
    if (table == nullptr) continue;
    const std::string type = text(row, 2);
    ConstraintKind kind = ConstraintKind::check;
    if (type == "p") kind = ConstraintKind::primary_key;
    if (type == "u") kind = ConstraintKind::unique;
    if (type == "f") kind = ConstraintKind::foreign_key;
    if (type == "x") kind = ConstraintKind::exclusion;
    table->constraints.push_back({kind, text(row, 1), collapse_whitespace(text(row, 3))});
  }
  return {};
}

}  // namespace

core::Result<SchemaSnapshot> read_postgres_catalog(Database& db, const std::string& schema) {
  CatalogBuilder builder;
  if (auto r = read_columns(db, schema, builder); !r) return r.error();
  if (auto r = read_indexes(db, schema, builder); !r) return r.error();
  if (auto r = read_constraints(db, schema, builder); !r) return r.error();
  auto views = scoped_query(db,
                            "SELECT c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid, true)"
                            " FROM pg_catalog.pg_class c"
                            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE {in_scope} AND c.relkind IN ('v', 'm')",
                            3, schema);
  if (!views) return views.error();
  for (const Row& row : *views) {
    const std::string prefix = text(row, 1) == "m" ? "materialized: " : "";
    builder.add_view(text(row, 0), prefix + text(row, 2));
  }
  return builder.finish(core::Dialect::postgresql);
}

}  // namespace magent::db::schema_detail
