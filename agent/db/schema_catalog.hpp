#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/text.hpp"
#include "agent/db/database.hpp"
#include "agent/db/schema_fingerprint.hpp"

// Internal to schema_fingerprint: one catalog reader per engine and what they share.
// Readers return raw snapshots; read_schema() canonicalizes and applies exclusions.
namespace magent::db::schema_detail {

// SQLite: sqlite_master with pragma_table_xinfo, pragma_index_list/pragma_index_xinfo and
// pragma_foreign_key_list as table-valued functions. `schema` is an attached database name.
core::Result<SchemaSnapshot> read_sqlite_catalog(Database& db, const std::string& schema);

// PostgreSQL: pg_catalog (pg_attribute, format_type, pg_get_expr, pg_index,
// pg_get_indexdef, pg_constraint, pg_get_constraintdef, pg_get_viewdef).
core::Result<SchemaSnapshot> read_postgres_catalog(Database& db, const std::string& schema);

// MySQL/MariaDB: information_schema TABLES, COLUMNS, STATISTICS, REFERENTIAL_CONSTRAINTS +
// KEY_COLUMN_USAGE, CHECK_CONSTRAINTS, VIEWS.
core::Result<SchemaSnapshot> read_mysql_catalog(Database& db, const std::string& schema);

// Collects tables by name while catalog rows arrive in any order.
class CatalogBuilder {
 public:
  // The table `name`, created on first use.
  SchemaTable& declare(const std::string& name);
  // The table `name` if declare() has seen it; rows for other relations are ignored.
  SchemaTable* find(const std::string& name);
  void add_view(std::string name, std::string definition);
  // Everything collected, for `dialect` (order is left to canonicalize()).
  SchemaSnapshot finish(core::Dialect dialect);

 private:
  std::map<std::string, SchemaTable> m_tables;
  std::vector<SchemaView> m_views;
};

// A cell as text, "" for NULL.
std::string text(const Row& row, std::size_t index);
// A cell that is SQL NULL stays nullopt.
std::optional<std::string> optional_text(const Row& row, std::size_t index);
// True for the engines' spellings of true: "t", "1", "true", "YES".
bool flag(const Row& row, std::size_t index);

// A cell's text as an int; 0 when it is not one.
int to_int(std::string_view text);

// Runs `sql` and checks every row has `columns` cells (a catalog that answers otherwise is
// reported as an error rather than read past its end).
core::Result<Rows> catalog_query(Database& db, std::string_view sql, std::size_t columns,
                                 const std::vector<Value>& params = {});

// Collapses runs of whitespace outside quotes ('...', "...", `...`) to one space and trims,
// so a definition's layout does not count, only its text.
std::string collapse_whitespace(std::string_view sql);

// `sql` with every `token` replaced by `value` (queries keep their text in one literal).
std::string expand(std::string_view sql, std::string_view token, std::string_view value);

// "a, b, c".
using core::join;

}  // namespace magent::db::schema_detail
