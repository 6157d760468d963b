#include "agent/core/python_lexer.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace magent::core {
namespace {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         static_cast<std::uint8_t>(c) >= 0x80;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Keywords that open a compound statement; what follows their `:` is not module level.
constexpr std::array<std::string_view, 12> k_compound = {"if",    "elif",   "else",    "for",
                                                         "while", "with",   "def",     "class",
                                                         "try",   "except", "finally", "async"};

bool is_compound_keyword(std::string_view word) {
  for (std::string_view keyword : k_compound) {
    if (word == keyword) return true;
  }
  return false;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Applies Python's str escapes to a non-raw literal body. \N{...} and malformed escapes are
// kept as written (the value is only ever displayed or compared, never executed).
std::string decode_escapes(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  std::size_t i = 0;
  while (i < body.size()) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out += body[i++];
      continue;
    }
    const char e = body[i + 1];
    const auto simple = [&](char c) {
      out += c;
      i += 2;
    };
    switch (e) {
      case '\n':
        i += 2;
        break;
      case '\\':
        simple('\\');
        break;
      case '\'':
        simple('\'');
        break;
      case '"':
        simple('"');
        break;
      case 'a':
        simple('\a');
        break;
      case 'b':
        simple('\b');
        break;
      case 'f':
        simple('\f');
        break;
      case 'n':
        simple('\n');
        break;
      case 'r':
        simple('\r');
        break;
      case 't':
        simple('\t');
        break;
      case 'v':
        simple('\v');
        break;
      default: {
        std::size_t digits = 0;
        std::size_t max_digits = 0;
        int base = 16;
        std::size_t skip = 2;
        if (e >= '0' && e <= '7') {
          base = 8;
          max_digits = 3;
          skip = 1;
        } else if (e == 'x') {
          max_digits = 2;
        } else if (e == 'u') {
          max_digits = 4;
        } else if (e == 'U') {
          max_digits = 8;
        }
        std::uint32_t cp = 0;
        while (digits < max_digits && i + skip + digits < body.size()) {
          const char d = body[i + skip + digits];
          if (base == 8 ? !(d >= '0' && d <= '7') : !is_hex(d)) break;
          cp = cp * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(hex_value(d));
          ++digits;
        }
        const bool complete = max_digits > 0 && (base == 8 ? digits > 0 : digits == max_digits);
        if (!complete || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          out += '\\';
          ++i;
          break;
        }
        append_utf8(out, cp);
        i += skip + digits;
      }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view path, std::string_view source) : m_path(path), m_src(source) {}

  Result<std::vector<PythonStatement>> run() {
    while (m_pos < m_src.size()) {
      if (m_at_line_start) {
        start_physical_line();
        continue;
      }
      if (!token()) return std::move(*m_error);
    }
    end_statement();
    return std::move(m_statements);
  }

 private:
  // Measures indentation of a physical line that may begin a logical line.
  void start_physical_line() {
    m_at_line_start = false;
    std::size_t i = m_pos;
    bool indented = false;
    while (i < m_src.size() && (m_src[i] == ' ' || m_src[i] == '\t' || m_src[i] == '\f')) {
      if (m_src[i] == '\f') {
        indented = false;  // Python resets the column count at a form feed
      } else {
        indented = true;
      }
      ++i;
    }
    m_pos = i;
    m_line_column0 = !indented;
    m_line_compound = false;
    m_line_has_tokens = false;
  }

  // Consumes one token, comment, blank or line end; false after recording an error.
  bool token() {
    const char c = m_src[m_pos];
    if (c == '\n') {
      ++m_line;
      ++m_pos;
      if (m_depth == 0) {
        end_statement();
        m_at_line_start = true;
      }
      return true;
    }
    if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\v') {
      ++m_pos;
      return true;
    }
    if (c == '#') {
      while (m_pos < m_src.size() && m_src[m_pos] != '\n') ++m_pos;
      return true;
    }
    if (c == '\\' && m_pos + 1 < m_src.size() && m_src[m_pos + 1] == '\n') {
      m_pos += 2;  // explicit line joining
      ++m_line;
      return true;
    }
    if (is_name_start(c)) return name_or_string();
    if (c == '"' || c == '\'') return string_literal(m_pos, m_pos);
    if (is_digit(c) || (c == '.' && m_pos + 1 < m_src.size() && is_digit(m_src[m_pos + 1]))) {
      const std::size_t start = m_pos;
      while (m_pos < m_src.size() && (is_name_char(m_src[m_pos]) || m_src[m_pos] == '.')) ++m_pos;
      push(PythonToken::Kind::number, start);
      return true;
    }
    operator_token();
    return true;
  }

  bool name_or_string() {
    const std::size_t start = m_pos;
    while (m_pos < m_src.size() && is_name_char(m_src[m_pos])) ++m_pos;
    const std::string_view word = m_src.substr(start, m_pos - start);
    if (m_pos < m_src.size() && (m_src[m_pos] == '"' || m_src[m_pos] == '\'') &&
        is_string_prefix(word)) {
      return string_literal(start, m_pos);
    }
    push(PythonToken::Kind::name, start);
    return true;
  }

  static bool is_string_prefix(std::string_view word) {
    if (word.empty() || word.size() > 2) return false;
    int r = 0;
    int other = 0;
    for (char c : word) {
      const char l = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if (l == 'r') {
        ++r;
      } else if (l == 'u' || l == 'b' || l == 'f') {
        ++other;
      } else {
        return false;
      }
    }
    if (word.size() == 2) return r == 1 && other == 1 && word.find_first_of("uU") == word.npos;
    return true;
  }

  // A string literal whose prefix starts at `start` and opening quote is at `quote`.
  bool string_literal(std::size_t start, std::size_t quote) {
    const std::string_view prefix = m_src.substr(start, quote - start);
    const char q = m_src[quote];
    const int start_line = m_line;
    const auto three_quotes_at = [&](std::size_t k) {
      return k + 2 < m_src.size() && m_src[k] == q && m_src[k + 1] == q && m_src[k + 2] == q;
    };
    const bool triple = three_quotes_at(quote);
    const std::size_t open = triple ? 3 : 1;
    std::size_t i = quote + open;
    std::optional<std::size_t> body_end;
    while (i < m_src.size()) {
      const char c = m_src[i];
      if (c == '\\' && i + 1 < m_src.size()) {
        if (m_src[i + 1] == '\n') ++m_line;
        i += 2;
        continue;
      }
      if (c == '\n') {
        if (!triple) break;
        ++m_line;
      }
      if (c == q && (!triple || three_quotes_at(i))) {
        body_end = i;
        break;
      }
      ++i;
    }
    if (!body_end) {
      m_error =
          make_error(ErrorKind::parse, std::string(m_path) + ":" + std::to_string(start_line) +
                                           ": unterminated string literal");
      return false;
    }
    m_pos = *body_end + open;
    PythonToken& token = push(PythonToken::Kind::string, start, start_line);
    bool raw = false;
    for (char c : prefix) {
      if (c == 'r' || c == 'R') raw = true;
      if (c == 'b' || c == 'B') token.bytes = true;
      if (c == 'f' || c == 'F') token.formatted = true;
    }
    const std::string_view body = m_src.substr(quote + open, *body_end - quote - open);
    token.value = raw ? std::string(body) : decode_escapes(body);
    return true;
  }

  void operator_token() {
    static constexpr std::array<std::string_view, 4> k_three = {"//=", "**=", ">>=", "<<="};
    static constexpr std::array<std::string_view, 5> k_two = {"->", "**", "//", "<<", ">>"};
    const std::size_t start = m_pos;
    std::size_t length = 1;
    for (std::string_view op : k_three) {
      if (m_src.substr(m_pos, 3) == op) length = 3;
    }
    if (length == 1) {
      for (std::string_view op : k_two) {
        if (m_src.substr(m_pos, 2) == op) length = 2;
      }
      const char c = m_src[m_pos];
      const bool pairs_with_equals =
          std::string_view("+-*/%@&|^<>!=:").find(c) != std::string_view::npos;
      if (length == 1 && pairs_with_equals && m_pos + 1 < m_src.size() && m_src[m_pos + 1] == '=') {
        length = 2;
      }
    }
    m_pos += length;
    const char c = m_src[start];
    if (c == ';' && m_depth == 0) {
      end_statement();
      return;
    }
    if (c == '(' || c == '[' || c == '{') ++m_depth;
    if ((c == ')' || c == ']' || c == '}') && m_depth > 0) --m_depth;
    push(PythonToken::Kind::op, start);
  }

  PythonToken& push(PythonToken::Kind kind, std::size_t start, int line = -1) {
    if (!m_current) {
      m_current = PythonStatement{};
      m_current->line = line < 0 ? m_line : line;
      m_current->module_level = m_line_column0 && !m_line_compound;
      if (!m_line_has_tokens && kind == PythonToken::Kind::name &&
          is_compound_keyword(m_src.substr(start, m_pos - start))) {
        m_line_compound = true;
        m_current->module_level = false;
      }
      m_line_has_tokens = true;
    }
    PythonToken token;
    token.kind = kind;
    token.text = m_src.substr(start, m_pos - start);
    token.line = line < 0 ? m_line : line;
    m_current->tokens.push_back(std::move(token));
    return m_current->tokens.back();
  }

  void end_statement() {
    if (m_current) m_statements.push_back(std::move(*m_current));
    m_current.reset();
  }

  std::string_view m_path;
  std::string_view m_src;
  std::size_t m_pos = 0;
  int m_line = 1;
  int m_depth = 0;  // open brackets: newlines inside them do not end a statement
  bool m_at_line_start = true;
  bool m_line_column0 = false;     // this logical line started in column 0
  bool m_line_compound = false;    // this logical line is a compound statement header
  bool m_line_has_tokens = false;  // a token was already seen on this logical line
  std::optional<PythonStatement> m_current;
  std::vector<PythonStatement> m_statements;
  std::optional<Error> m_error;
};

// Length of a UTF-8 encoded Unicode whitespace character (per str.isspace) at the start
// (`from_end` false) or end of `text`, 0 if there is none.
std::size_t whitespace_length(std::string_view text, bool from_end) {
  static constexpr std::array<std::string_view, 17> k_wide = {
      "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
      "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
      "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
      "\xE2\x80\xA9", "\xE2\x80\xAF"};
  static constexpr std::array<std::string_view, 2> k_more = {"\xE2\x81\x9F", "\xE3\x80\x80"};
  if (text.empty()) return 0;
  const char c = from_end ? text.back() : text.front();
  if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1C' && c <= '\x1F')) return 1;
  const auto matches = [&](std::string_view ws) {
    return text.size() >= ws.size() &&
           (from_end ? text.substr(text.size() - ws.size()) : text.substr(0, ws.size())) == ws;
  };
  for (std::string_view ws : k_wide) {
    if (matches(ws)) return ws.size();
  }
  for (std::string_view ws : k_more) {
    if (matches(ws)) return ws.size();
  }
  return 0;
}

}  // namespace

Result<std::vector<PythonStatement>> lex_python(std::string_view path, std::string_view source) {
  return Lexer(path, source).run();
}

std::string_view python_strip(std::string_view text) {
  while (std::size_t n = whitespace_length(text, false)) text.remove_prefix(n);
  while (std::size_t n = whitespace_length(text, true)) text.remove_suffix(n);
  return text;
}

}  // namespace magent::core
