#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/db/schema_fingerprint.hpp"
#include "tests/support/engines.hpp"

// What a database holds, for comparing a killed database with a clean one: the schema as
// the engine's catalog shows it (agent/db/schema_fingerprint.hpp, canonical) and the row
// count of every table, the version table and the ledger left out.
namespace magent::test {

struct DatabaseContent {
  db::SchemaSnapshot schema;
  std::map<std::string, std::int64_t> rows;  // table -> row count
  bool operator==(const DatabaseContent&) const = default;
};

// Reads `db`'s content over a connection of its own. On failure, `error` says why and the
// result is empty.
DatabaseContent read_content(const TestDatabase& db, std::string* error);

// What differs from `expected` to `actual`, one line per difference ("" when equal).
std::string describe_difference(const DatabaseContent& expected, const DatabaseContent& actual);

}  // namespace magent::test
