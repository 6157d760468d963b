#pragma once

#include <string_view>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Reads an Alembic revision file statically (never executes it): module-level `revision`,
// `down_revision`, `branch_labels`, `depends_on` (None, a string, a tuple or a list; with or
// without type annotations; either quote style). Only statements starting in column 0 outside
// compound statements count; the last one wins, as in Python. A file without `revision`
// falls back to Alembic 0.1's "<hex>.py" file name rule; `down_revision` is required.
// The message is Alembic 1.8's Script.doc: the module docstring stripped, cut at its first
// "\n\n" (so it may span lines). Errors are ErrorKind::parse and start with "path:line: ".
Result<Revision> parse_python_migration(std::string_view path, std::string_view text);

}  // namespace magent::core
