#pragma once

#include <optional>
#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Whether a directory entry named `name` is a migration file, and of which kind: `*.sql` and
// `*.py`, except dot-files (`.x.sql`, `..data`, `.#x.py` locks, `.x.swp`), `__init__*.py` and
// `env.py`. Editor backups (`x.sql~`, `#x.sql#`) and `__pycache__` fail the suffix test.
std::optional<FileKind> migration_file_kind(std::string_view name);

// Parses one migration file's text with the parser for `kind`; `path` names it in errors.
Result<Revision> parse_migration(FileKind kind, std::string_view path, std::string_view text);

}  // namespace magent::core
