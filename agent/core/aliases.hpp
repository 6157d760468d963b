#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace magent::core {

// Renamed revision ids ([aliases]): old id -> new id.
using AliasMap = std::map<std::string, std::string>;

// alembic_version rows seen through the aliases.
struct AliasedRows {
  std::vector<std::string> rows;  // every row with old ids replaced by new ones; sorted, unique
  std::vector<std::pair<std::string, std::string>> renamed;  // (old, new) found in the rows
};

// Replaces each row that is an old id in `aliases` by its new id. Rows that are not aliased
// are kept as they are.
AliasedRows apply_aliases(const std::vector<std::string>& rows, const AliasMap& aliases);

}  // namespace magent::core
