#pragma once

#include <string_view>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision.hpp"

namespace magent::core {

// Splits SQL text into statements on top-level `;` the way the dialect's own client would:
// quotes, comments (nested in PostgreSQL), dollar quotes (PostgreSQL), backslash escapes
// (MySQL), BEGIN ... END bodies of CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT and MySQL's
// `DELIMITER xx` client directive are honoured. `first_line` is the file line of text's
// first line; each Statement carries the line of its first non-comment character, its SQL
// trimmed of surrounding whitespace and comments. Comment-only statements are dropped.
// Errors are ErrorKind::parse "path:line: ..." naming where the unterminated construct began.
Result<std::vector<Statement>> split_statements(std::string_view text, int first_line,
                                                Dialect dialect, std::string_view path);

}  // namespace magent::core
