#include "agent/core/migration_files.hpp"

#include "agent/core/python_migration.hpp"
#include "agent/core/sql_migration.hpp"

namespace magent::core {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<FileKind> migration_file_kind(std::string_view name) {
  if (name.empty() || name.front() == '.') return std::nullopt;
  if (ends_with(name, ".sql")) return FileKind::sql;
  if (!ends_with(name, ".py")) return std::nullopt;
  if (name.substr(0, 8) == "__init__" || name == "env.py") return std::nullopt;
  return FileKind::python;
}

Result<Revision> parse_migration(FileKind kind, std::string_view path, std::string_view text) {
  return kind == FileKind::sql ? parse_sql_migration(path, text)
                               : parse_python_migration(path, text);
}

}  // namespace magent::core
