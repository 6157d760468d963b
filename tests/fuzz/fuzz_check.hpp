#pragma once

// Helpers shared by the libFuzzer targets: a broken invariant aborts (libFuzzer records the
// input as a crash), with one line on stderr saying which.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace magent::fuzz {

// Aborts with `what` on stderr unless `condition` holds.
inline void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// Whether `text` holds a line break (an operator-facing message must be one line).
inline bool has_line_break(std::string_view text) {
  return text.find('\n') != std::string_view::npos || text.find('\r') != std::string_view::npos;
}

// 1 + the number of '\n' in `text`: the last line number a statement may start on.
inline int line_count(std::string_view text) {
  int lines = 1;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

}  // namespace magent::fuzz
