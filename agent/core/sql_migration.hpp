#pragma once

#include <string_view>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Parses a native .sql migration (DESIGN.md section 4): `-- key: value` header lines, then
// `-- +upgrade [dialect]` / `-- +downgrade [dialect]` sections. Errors are ErrorKind::parse
// and start with "path:line: ". `checksum` is left empty (the scanner sets it).
//
// Header rule: before the first section, a line `-- word: value` (word = a letter then
// letters, digits or `_`, directly followed by `:`) is a header key when word is one of
// revision, down_revision, branch_labels, depends_on, message, transaction. It is an error
// ("unknown header key", with "did you mean" when close) when word matches a key in another
// case, is within a small edit distance of one, or is lowercase with an underscore; any other
// `--` line (`-- Note: ...`, `-- TODO: ...`) is a comment. Lines starting with `-- +` and a
// letter are section markers (case-insensitive); markers are found line by line, so they
// cannot appear inside a multi-line string. A graph key inside a section is an error.
// Every present section is split at parse time (generic ones for all three dialects).
Result<Revision> parse_sql_migration(std::string_view path, std::string_view text);

// The statements a step runs for `dialect`: the dialect's own section when present, else the
// generic one. A missing section is ErrorKind::resolution naming the revision and path.
Result<std::vector<Statement>> statements_for(const Revision& revision, Direction direction,
                                              Dialect dialect);

}  // namespace magent::core
