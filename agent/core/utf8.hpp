#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/result.hpp"

namespace magent::core {

// Where a text first stops being valid UTF-8: byte offset and 1-based line.
struct Utf8Problem {
  std::size_t offset = 0;
  int line = 1;
};

// The first ill-formed byte of `text` (RFC 3629: no overlongs, surrogates or code points
// above U+10FFFF), or nullopt when the whole text is valid UTF-8.
std::optional<Utf8Problem> find_invalid_utf8(std::string_view text);

// `text` with every control character (below U+0020, and DEL) shown as \xNN, so that a
// message quoting user input stays one printable line.
std::string escape_control_characters(std::string_view text);

// `text` without a leading UTF-8 byte order mark (EF BB BF), if it has one.
std::string_view strip_utf8_bom(std::string_view text);

// Strips a BOM and validates the rest; ErrorKind::parse "path:line: ..." naming the offset
// and the bad byte when the file is not UTF-8. Offsets and lines count from after the BOM.
Result<std::string_view> checked_utf8_text(std::string_view path, std::string_view text);

}  // namespace magent::core
