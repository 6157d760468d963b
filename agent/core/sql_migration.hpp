#pragma once

#include <string_view>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Parses a native .sql migration (DESIGN.md section 4): `-- key: value` header lines, then
// `-- +upgrade [dialect]` / `-- +downgrade [dialect]` sections. Errors are ErrorKind::parse
// and start with "path:line: ". `checksum` is left empty (the scanner sets it).
Result<Revision> parse_sql_migration(std::string_view path, std::string_view text);

// The statements a step runs for `dialect`: the dialect's own section when present, else the
// generic one. A missing downgrade section is ErrorKind::resolution naming the revision.
Result<std::vector<Statement>> statements_for(const Revision& revision, Direction direction,
                                              Dialect dialect);

}  // namespace magent::core
