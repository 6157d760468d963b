#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magent::core {

// The SQL dialect of a database engine; picks dialect-specific sections of a .sql file.
enum class Dialect { sqlite, postgresql, mysql };

// Which way a step moves the schema.
enum class Direction { upgrade, downgrade };

// How a revision is applied: .sql by the agent itself, .py by the configured runner.
enum class FileKind { sql, python };

// Whether a .sql step runs inside one transaction (default) or statement by statement.
enum class TransactionMode { per_migration, none };

std::string_view to_string(Dialect dialect);
std::string_view to_string(Direction direction);
std::optional<Dialect> dialect_from_string(std::string_view name);

// One SQL statement of a migration, with the 1-based file line it starts on.
struct Statement {
  std::string sql;
  int line = 0;
};

// The `-- +upgrade` / `-- +downgrade` sections of a .sql file, raw text per dialect.
// Index 0 is the generic section, then one per Dialect (sqlite, postgresql, mysql).
struct SqlSections {
  struct Section {
    bool present = false;
    std::string text;    // the section's body, comment markers included
    int first_line = 0;  // file line of the body's first line
  };
  std::array<Section, 4> upgrade;
  std::array<Section, 4> downgrade;

  static constexpr std::size_t k_generic = 0;
  static constexpr std::size_t index_of(Dialect d) { return static_cast<std::size_t>(d) + 1; }
};

// One migration file's metadata and, for .sql, its sections. Immutable once parsed.
struct Revision {
  std::string id;
  std::vector<std::string> down_revisions;  // none = a base; several = a merge point
  std::vector<std::string> depends_on;      // as written: revision ids or branch labels
  std::vector<std::string> branch_labels;   // as written in this file (not propagated)
  std::string message;
  std::string path;  // file name relative to the migrations directory
  FileKind kind = FileKind::sql;
  TransactionMode transaction = TransactionMode::per_migration;
  std::string checksum;  // lowercase hex SHA-256 of the file's bytes; set by the scanner
  std::shared_ptr<const SqlSections> sql;  // only for FileKind::sql
};

}  // namespace magent::core
