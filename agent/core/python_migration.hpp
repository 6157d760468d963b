#pragma once

#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Reads an Alembic revision file statically (never executes it): module-level `revision`,
// `down_revision`, `branch_labels`, `depends_on` (None, a string, a tuple or a list; with or
// without type annotations; either quote style) and the docstring's first line as message.
// Errors are ErrorKind::parse and start with "path:line: ".
Result<Revision> parse_python_migration(std::string_view path, std::string_view text);

}  // namespace magent::core
