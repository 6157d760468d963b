#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/result.hpp"

namespace magent::core {

// One token of Python source, enough to read literal assignments; never evaluates anything.
struct PythonToken {
  enum class Kind { name, string, number, op };
  Kind kind = Kind::op;
  std::string_view text;  // the token as written (a string with its prefix and quotes)
  int line = 0;
  std::string value;       // strings only: the decoded value (escapes applied unless raw)
  bool bytes = false;      // strings only: b"..." (not a str)
  bool formatted = false;  // strings only: f"..." (not a constant)
};

// One simple statement (logical lines split on top-level `;`), with its first line.
// `module_level` is true when it runs unconditionally at import: it starts in column 0 and
// is not part of a compound statement header such as `if x: revision = "a"`.
struct PythonStatement {
  int line = 0;
  bool module_level = false;
  std::vector<PythonToken> tokens;
};

// Splits Python source (newlines already LF) into simple statements. Comments, blank lines,
// bracket and backslash continuations are handled like Python's tokenizer. An unterminated
// string is ErrorKind::parse "path:line: ..." naming the line the string starts on.
Result<std::vector<PythonStatement>> lex_python(std::string_view path, std::string_view source);

// `text` with Python's str.strip() applied (ASCII and Unicode whitespace, UTF-8 encoded).
std::string_view python_strip(std::string_view text);

}  // namespace magent::core
