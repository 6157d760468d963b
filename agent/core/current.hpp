#pragma once

#include <string>
#include <vector>

#include "agent/core/revision_graph.hpp"

namespace magent::core {

// What `alembic current` prints for the alembic_version `rows` (Alembic's
// RevisionMap._get_all_current): the rows, plus every revision applied as a dependency
// (depends_on) of them that no other of these revisions descends from; sorted. Rows the
// graph does not have are kept as they are.
std::vector<std::string> all_current(const RevisionGraph& graph,
                                     const std::vector<std::string>& rows);

}  // namespace magent::core
