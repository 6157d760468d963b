#pragma once

// Small pure helpers shared by the server adapters (db/postgres, db/mysql). Header-only.

#include <cstdint>
#include <string>
#include <string_view>

namespace magent::db {

// FNV-1a, 64 bit: a stable hash of a lock key (same value in every build, process and
// machine), used for PostgreSQL advisory lock keys and long MySQL lock names.
constexpr std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// Lowercase hex of a 64-bit value, always 16 digits.
inline std::string hex64(std::uint64_t value) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (std::size_t i = 16; i-- > 0; value >>= 4) out[i] = k_digits[value & 0xfU];
  return out;
}

// A driver's (possibly multi-line) message as one log line: lines trimmed and joined with
// " ", blank lines and libpq's caret-only position markers dropped.
inline std::string one_line(std::string_view message) {
  std::string out;
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(start, end - start);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (!line.empty() && line != "^") {
      if (!out.empty()) out += ' ';
      out += line;
    }
    start = end + 1;
  }
  return out;
}

}  // namespace magent::db
