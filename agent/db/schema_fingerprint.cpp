#include "agent/db/schema_fingerprint.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "agent/db/schema_catalog.hpp"
#include "agent/platform/sha256.hpp"

namespace magent::db {
namespace schema_detail {

SchemaTable& CatalogBuilder::declare(const std::string& name) {
  auto [it, inserted] = m_tables.try_emplace(name);
  if (inserted) it->second.name = name;
  return it->second;
}

SchemaTable* CatalogBuilder::find(const std::string& name) {
  auto it = m_tables.find(name);
  return it == m_tables.end() ? nullptr : &it->second;
}

void CatalogBuilder::add_view(std::string name, std::string definition) {
  m_views.push_back({std::move(name), collapse_whitespace(definition)});
}

SchemaSnapshot CatalogBuilder::finish(core::Dialect dialect) {
  SchemaSnapshot out;
  out.dialect = dialect;
  for (auto& [name, table] : m_tables) out.tables.push_back(std::move(table));
  out.views = std::move(m_views);
  m_tables.clear();
  m_views.clear();
  return out;
}

std::string text(const Row& row, std::size_t index) {
  return row.at(index).value_or("");
}

std::optional<std::string> optional_text(const Row& row, std::size_t index) {
  return row.at(index);
}

bool flag(const Row& row, std::size_t index) {
  const std::string value = text(row, index);
  return value == "t" || value == "1" || value == "true" || value == "YES";
}

int to_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : 0;
}

core::Result<Rows> catalog_query(Database& db, std::string_view sql, std::size_t columns,
                                 const std::vector<Value>& params) {
  auto rows = db.query(sql, params);
  if (!rows) return rows.error();
  for (const Row& row : *rows) {
    if (row.size() != columns) {
      return core::make_error(core::ErrorKind::unreachable,
                              "schema catalog query returned " + std::to_string(row.size()) +
                                  " columns, expected " + std::to_string(columns));
    }
  }
  return rows;
}

std::string collapse_whitespace(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  bool pending_space = false;
  for (char c : sql) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (quote == 0 && space) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    }
  }
  return out;
}

std::string expand(std::string_view sql, std::string_view token, std::string_view value) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t at = sql.find(token); at != std::string_view::npos;
       at = sql.find(token, start)) {
    out.append(sql.substr(start, at - start)).append(value);
    start = at + token.size();
  }
  return out.append(sql.substr(start));
}

}  // namespace schema_detail

namespace {

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool same_name(core::Dialect dialect, std::string_view a, std::string_view b) {
  if (dialect == core::Dialect::postgresql) return a == b;
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool excluded(const SchemaSnapshot& snapshot, const SchemaScope& scope, std::string_view name) {
  return std::any_of(scope.excluded_tables.begin(), scope.excluded_tables.end(),
                     [&](const std::string& e) { return same_name(snapshot.dialect, e, name); });
}

// "NULL", "null", "NULL::character varying": an explicit DEFAULT NULL, the same as none.
bool is_null_default(std::string_view expr) {
  constexpr std::string_view k_null = "null";
  if (expr.size() < k_null.size()) return false;
  for (std::size_t i = 0; i < k_null.size(); ++i) {
    if (ascii_lower(expr[i]) != k_null[i]) return false;
  }
  return expr.size() == k_null.size() || expr.substr(k_null.size(), 2) == "::";
}

core::Result<SchemaSnapshot> read_catalog(Database& db, const std::string& schema) {
  switch (db.dialect()) {
    case core::Dialect::sqlite:
      return schema_detail::read_sqlite_catalog(db, schema);
    case core::Dialect::postgresql:
      return schema_detail::read_postgres_catalog(db, schema);
    case core::Dialect::mysql:
      return schema_detail::read_mysql_catalog(db, schema);
  }
  return core::make_error(core::ErrorKind::usage, "no schema reader for this engine");
}

}  // namespace

SchemaScope schema_scope_for(const VersionTable& version_table, const LedgerTable& ledger_table) {
  return {.schema = "", .excluded_tables = {version_table.name, ledger_table.name}};
}

std::string_view describe(ConstraintKind kind) {
  switch (kind) {
    case ConstraintKind::primary_key:
      return "primary key";
    case ConstraintKind::unique:
      return "unique constraint";
    case ConstraintKind::foreign_key:
      return "foreign key";
    case ConstraintKind::check:
      return "check constraint";
    case ConstraintKind::exclusion:
      return "exclusion constraint";
  }
  return "constraint";
}

void canonicalize(SchemaSnapshot& snapshot, const SchemaScope& scope) {
  auto& tables = snapshot.tables;
  tables.erase(
      std::remove_if(tables.begin(), tables.end(),
                     [&](const SchemaTable& t) { return excluded(snapshot, scope, t.name); }),
      tables.end());
  std::sort(tables.begin(), tables.end(),
            [](const SchemaTable& a, const SchemaTable& b) { return a.name < b.name; });
  for (SchemaTable& table : tables) {
    for (SchemaColumn& column : table.columns) {
      if (column.default_expr && is_null_default(*column.default_expr)) column.default_expr.reset();
    }
    std::sort(table.indexes.begin(), table.indexes.end(),
              [](const SchemaIndex& a, const SchemaIndex& b) {
                return std::tie(a.name, a.definition, a.unique) <
                       std::tie(b.name, b.definition, b.unique);
              });
    std::sort(table.constraints.begin(), table.constraints.end(),
              [](const SchemaConstraint& a, const SchemaConstraint& b) {
                return std::tie(a.kind, a.name, a.definition) <
                       std::tie(b.kind, b.name, b.definition);
              });
  }
  std::sort(snapshot.views.begin(), snapshot.views.end(),
            [](const SchemaView& a, const SchemaView& b) {
              return std::tie(a.name, a.definition) < std::tie(b.name, b.definition);
            });
}

core::Result<SchemaSnapshot> read_schema(Database& db, const SchemaScope& scope) {
  auto snapshot = read_catalog(db, scope.schema);
  if (!snapshot) {
    return core::make_error(snapshot.error().kind,
                            "reading the schema failed: " + snapshot.error().message);
  }
  canonicalize(*snapshot, scope);
  return snapshot;
}

core::Result<std::string> fingerprint_hash(const SchemaSnapshot& snapshot) {
  return platform::sha256_hex(serialize(snapshot));
}

}  // namespace magent::db
