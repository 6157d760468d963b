#include "agent/core/utf8.hpp"

#include <cstdint>
#include <string>

namespace magent::core {
namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

// Length of the well-formed sequence starting at text[i], or 0 when it is ill-formed.
// Follows the table of well-formed byte sequences in the Unicode standard (section 3.9).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const auto in = [](std::uint8_t b, std::uint8_t lo, std::uint8_t hi) {
    return b >= lo && b <= hi;
  };
  const std::uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  if (in(b0, 0xC2, 0xDF)) {
    length = 2;
  } else if (in(b0, 0xE0, 0xEF)) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong 3-byte forms
    if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (in(b0, 0xF0, 0xF4)) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong 4-byte forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (!in(byte(i + 1), lo, hi)) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!in(byte(i + k), 0x80, 0xBF)) return 0;
  }
  return length;
}

// True when every byte is ASCII (then the text is valid UTF-8); written so that the compiler
// can check many bytes per instruction.
bool all_ascii(std::string_view text) {
  unsigned char seen = 0;
  for (const char c : text) seen |= static_cast<unsigned char>(c);
  return seen < 0x80;
}

}  // namespace

std::optional<Utf8Problem> find_invalid_utf8(std::string_view text) {
  if (all_ascii(text)) return std::nullopt;
  std::size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    const std::size_t length = sequence_length(text, i);
    if (length == 0) return Utf8Problem{i, line};
    if (text[i] == '\n') ++line;
    i += length;
  }
  return std::nullopt;
}

std::string_view strip_utf8_bom(std::string_view text) {
  if (text.substr(0, k_bom.size()) == k_bom) text.remove_prefix(k_bom.size());
  return text;
}

Result<std::string_view> checked_utf8_text(std::string_view path, std::string_view text) {
  const std::string_view body = strip_utf8_bom(text);
  const std::optional<Utf8Problem> problem = find_invalid_utf8(body);
  if (!problem) return body;
  static constexpr char k_hex[] = "0123456789abcdef";
  const auto bad = static_cast<std::uint8_t>(body[problem->offset]);
  std::string message = std::string(path) + ":" + std::to_string(problem->line) +
                        ": file is not valid UTF-8 (byte 0x";
  message += k_hex[bad >> 4];
  message += k_hex[bad & 0x0F];
  message += " at offset " + std::to_string(problem->offset) + ")";
  return make_error(ErrorKind::parse, std::move(message));
}

std::string escape_control_characters(std::string_view text) {
  constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += k_hex[byte >> 4U];
      out += k_hex[byte & 0xfU];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace magent::core
