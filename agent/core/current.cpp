#include "agent/core/current.hpp"

#include <algorithm>

namespace magent::core {

std::vector<std::string> all_current(const RevisionGraph& graph,
                                     const std::vector<std::string>& rows) {
  std::vector<std::string> out;
  std::vector<NodeId> known;
  for (const std::string& row : rows) {
    if (auto node = graph.find(row)) {
      known.push_back(*node);
    } else {
      out.push_back(row);
    }
  }
  // Every ancestor through down revisions and dependencies, then only the branch heads
  // among them: those with no descendant (down revisions only) in the set.
  const NodeSet applied = graph.ancestors(known, Deps::include);
  for (NodeId n : graph.tips(applied)) out.push_back(graph.id_of(n));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace magent::core
