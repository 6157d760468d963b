#include "agent/core/aliases.hpp"

#include <algorithm>

namespace magent::core {

AliasedRows apply_aliases(const std::vector<std::string>& rows, const AliasMap& aliases) {
  AliasedRows out;
  for (const std::string& row : rows) {
    auto it = aliases.find(row);
    if (it == aliases.end()) {
      out.rows.push_back(row);
    } else {
      out.rows.push_back(it->second);
      out.renamed.emplace_back(row, it->second);
    }
  }
  std::sort(out.rows.begin(), out.rows.end());
  out.rows.erase(std::unique(out.rows.begin(), out.rows.end()), out.rows.end());
  return out;
}

}  // namespace magent::core
