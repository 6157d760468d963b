#pragma once

#include <optional>
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

// The error of the first dialect, in the order sqlite, postgresql, mysql, whose split of a text
// fails.
struct DialectSplitError {
  Dialect dialect;
  Error error;
};

// Checks that `text` splits for all three dialects (a generic section, at load time) without
// keeping the statements: nullopt when it does, else what split_statements would report for
// the first dialect that fails. One pass suffices unless the text holds something the dialects
// read differently (a backslash in a quote, `#`, `$`, a backquote, `[`, `--x`, `/*` inside or
// `/*!` at a comment, E'...', `;` inside parentheses); then each dialect is split in turn.
std::optional<DialectSplitError> first_split_error(std::string_view text, int first_line,
                                                   std::string_view path);

}  // namespace magent::core
