#include "agent/core/statement_splitter.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace magent::core {
namespace {

bool is_word_start(char c) {
  const auto b = static_cast<std::uint8_t>(c);
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || b >= 0x80;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Identifier characters; `$` continues an identifier (a$b) but never starts one.
bool is_word_char(char c) {
  return is_word_start(c) || is_digit(c) || c == '$';
}

// Characters of a PostgreSQL dollar-quote tag: like an identifier, without `$`.
bool is_tag_char(char c) {
  return is_word_start(c) || is_digit(c);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// An ASCII upper-case copy of a short word, enough to compare it with keywords; empty for
// words longer than any keyword. Held inline: words are classified without allocating.
class Keyword {
 public:
  explicit Keyword(std::string_view word) {
    if (word.size() > m_chars.size()) return;
    for (char c : word) {
      m_chars[m_size++] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
  }
  std::string_view view() const { return {m_chars.data(), m_size}; }

 private:
  std::array<char, 16> m_chars{};
  std::size_t m_size = 0;
};

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& set) {
  for (std::string_view candidate : set) {
    if (word == candidate) return true;
  }
  return false;
}

// Object kinds after CREATE/ALTER whose statements may carry a BEGIN ... END body.
constexpr std::array<std::string_view, 4> k_routine_kinds = {"TRIGGER", "PROCEDURE", "FUNCTION",
                                                             "EVENT"};
// Object kinds that decide a CREATE/ALTER statement has no such body.
constexpr std::array<std::string_view, 17> k_plain_kinds = {
    "TABLE",        "VIEW",   "INDEX",  "UNIQUE",    "SEQUENCE",  "SCHEMA",
    "DATABASE",     "TYPE",   "DOMAIN", "EXTENSION", "USER",      "ROLE",
    "MATERIALIZED", "POLICY", "RULE",   "SERVER",    "TABLESPACE"};
// Words after END that close a construct whose opener was not counted (MySQL).
constexpr std::array<std::string_view, 5> k_uncounted_enders = {"IF", "LOOP", "WHILE", "REPEAT",
                                                                "FOR"};
// How many leading words of a CREATE/ALTER statement are searched for its object kind.
constexpr int k_kind_search_words = 16;

// The mysql client's limit on a DELIMITER string.
constexpr std::size_t k_max_delimiter_length = 16;

enum class Routine { no, undecided, yes };

// Whether the splitter copies out each statement's text or only checks that the text splits.
enum class Collect { statements, nothing };

// Whether the splitter notes the places where another dialect would read the text otherwise.
enum class WatchDialects { no, yes };

class Splitter {
 public:
  Splitter(std::string_view text, int first_line, Dialect dialect, std::string_view path,
           Collect collect = Collect::statements, WatchDialects watch = WatchDialects::no)
      : m_text(text),
        m_line(first_line),
        m_dialect(dialect),
        m_path(path),
        m_collect(collect),
        m_watch(watch == WatchDialects::yes) {}

  // After run(): true when a dialect other than this splitter's might split the text
  // differently (or fail where this one did not). Meaningful only with WatchDialects::yes.
  bool dialects_may_differ() const { return m_dialects_differ; }

  Result<std::vector<Statement>> run() {
    while (m_pos < m_text.size()) {
      if (!step()) return std::move(*m_error);
    }
    if (m_routine == Routine::yes && m_depth > 0 && !m_custom_delimiter) {
      fail(m_block_line, "unterminated " + m_block_opener + " ... END block (no matching END)");
      return std::move(*m_error);
    }
    finish_statement();
    return std::move(m_statements);
  }

 private:
  // Consumes one token or character; false after recording an error.
  bool step() {
    const char c = m_text[m_pos];
    if (at_delimiter()) {
      // psql keeps a `;` inside parentheses in the statement; the other clients split there.
      if (m_parens > 0) note_dialect_difference();
      finish_statement();
      m_pos += m_delimiter.size();
      return true;
    }
    if (c == '\n') {
      ++m_line;
      ++m_pos;
      return true;
    }
    if (is_space(c)) {
      ++m_pos;
      return true;
    }
    const char next = peek(1);
    if (m_watch) watch_top_level(c, next);
    if (c == '-' && next == '-' && starts_dash_comment()) return skip_line_comment();
    if (c == '#' && m_dialect == Dialect::mysql) return skip_line_comment();
    if (c == '/' && next == '*') return block_comment();
    if (c == '\'') return quoted('\'', backslashes(), "string literal '...'");
    if (c == '"') {
      return m_dialect == Dialect::mysql ? quoted('"', true, "string literal \"...\"")
                                         : quoted('"', false, "quoted identifier \"...\"");
    }
    if (c == '`' && m_dialect != Dialect::postgresql) {
      return quoted('`', false, "quoted identifier `...`");
    }
    if (c == '[' && m_dialect == Dialect::sqlite)
      return quoted(']', false, "quoted identifier [...]");
    if (c == '$' && m_dialect == Dialect::postgresql) {
      if (std::optional<std::size_t> tag_end = dollar_tag_end()) return dollar_quoted(*tag_end);
    }
    if (is_word_start(c)) return word();
    const std::size_t start = m_pos;
    if (is_digit(c)) {
      skip_word_chars();
    } else {
      ++m_pos;
    }
    if (c == '(') ++m_parens;
    if (c == ')' && m_parens > 0) --m_parens;
    mark_content(start, m_line);
    m_after_dot = c == '.';
    return true;
  }

  void note_dialect_difference() {
    if (m_watch) m_dialects_differ = true;
  }

  // Characters outside quotes and comments that the three dialects read differently: `#`
  // (MySQL comment), `$` (PostgreSQL dollar quote), backquote (not a quote in PostgreSQL),
  // `[` (a quote in SQLite only), and `--` directly followed by a character (not a comment
  // in MySQL).
  void watch_top_level(char c, char next) {
    if (c == '#' || c == '$' || c == '`' || c == '[') note_dialect_difference();
    if (c == '-' && next == '-' && m_pos + 2 < m_text.size() &&
        static_cast<std::uint8_t>(m_text[m_pos + 2]) > 0x20) {
      note_dialect_difference();
    }
  }

  char peek(std::size_t ahead) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  // Advances over identifier characters, stopping at a custom delimiter (`END$$`, `1//`).
  void skip_word_chars() {
    while (m_pos < m_text.size() && is_word_char(m_text[m_pos])) {
      if (m_custom_delimiter && m_text.substr(m_pos, m_delimiter.size()) == m_delimiter) break;
      ++m_pos;
    }
  }

  bool backslashes() const { return m_dialect == Dialect::mysql; }

  bool at_delimiter() const {
    if (!m_custom_delimiter) {
      // Like psql, a `;` inside parentheses (CREATE RULE ... DO (a; b)) does not split.
      return m_text[m_pos] == ';' && (m_routine != Routine::yes || m_depth == 0) &&
             (m_dialect != Dialect::postgresql || m_parens == 0);
    }
    return m_text.substr(m_pos, m_delimiter.size()) == m_delimiter;
  }

  // MySQL needs whitespace or a control character after `--` ("--1" is minus minus one).
  bool starts_dash_comment() const {
    if (m_dialect != Dialect::mysql) return true;
    return m_pos + 2 >= m_text.size() || static_cast<std::uint8_t>(m_text[m_pos + 2]) <= 0x20;
  }

  bool skip_line_comment() {
    while (m_pos < m_text.size() && m_text[m_pos] != '\n') ++m_pos;
    return true;
  }

  // `/* ... */`; nests in PostgreSQL. MySQL's `/*! ... */` and `/*+ ... */` are code.
  bool block_comment() {
    const std::size_t start = m_pos;
    const int start_line = m_line;
    const bool is_code = m_dialect == Dialect::mysql && (peek(2) == '!' || peek(2) == '+');
    const bool nests = m_dialect == Dialect::postgresql;
    if (peek(2) == '!' || peek(2) == '+') note_dialect_difference();
    m_pos += 2;
    int depth = 1;
    while (depth > 0) {
      if (m_pos >= m_text.size()) return fail(start_line, "unterminated /* ... */ comment");
      const char c = m_text[m_pos];
      if (c == '*' && peek(1) == '/') {
        --depth;
        m_pos += 2;
      } else if (c == '/' && peek(1) == '*') {
        note_dialect_difference();
        if (nests) ++depth;
        m_pos += nests ? 2 : 1;
      } else {
        if (c == '\n') ++m_line;
        ++m_pos;
      }
    }
    if (is_code) {
      mark_content(start, start_line);
      m_after_dot = false;
    }
    return true;
  }

  // A quoted string or identifier from the opening character at m_pos to `close`; a
  // doubled `close` is an escaped one, and so is a backslash-escaped character if allowed.
  bool quoted(char close, bool allow_backslash, std::string_view what) {
    const std::size_t start = m_pos;
    const int start_line = m_line;
    ++m_pos;
    while (true) {
      if (m_pos >= m_text.size()) return fail(start_line, "unterminated " + std::string(what));
      const char c = m_text[m_pos];
      if (c == '\n') ++m_line;
      if (c == '\\') note_dialect_difference();  // an escape in MySQL (and in E'...')
      if (allow_backslash && c == '\\' && m_pos + 1 < m_text.size()) {
        if (m_text[m_pos + 1] == '\n') ++m_line;
        m_pos += 2;
        continue;
      }
      ++m_pos;
      if (c == close) {
        if (close != ']' && m_pos < m_text.size() && m_text[m_pos] == close) {
          ++m_pos;
          continue;
        }
        break;
      }
    }
    mark_content(start, start_line);
    m_after_dot = false;
    return true;
  }

  // If m_pos opens a dollar quote ($$ or $tag$), the index just past its closing `$`.
  std::optional<std::size_t> dollar_tag_end() const {
    std::size_t j = m_pos + 1;
    if (j < m_text.size() && m_text[j] != '$') {
      if (!is_word_start(m_text[j])) return std::nullopt;
      while (j < m_text.size() && is_tag_char(m_text[j])) ++j;
    }
    if (j >= m_text.size() || m_text[j] != '$') return std::nullopt;
    return j + 1;
  }

  bool dollar_quoted(std::size_t tag_end) {
    const std::size_t start = m_pos;
    const int start_line = m_line;
    const std::string_view tag = m_text.substr(m_pos, tag_end - m_pos);
    const std::size_t close = m_text.find(tag, tag_end);
    if (close == std::string_view::npos) {
      return fail(start_line, "unterminated dollar-quoted string " + std::string(tag));
    }
    for (std::size_t k = tag_end; k < close; ++k) {
      if (m_text[k] == '\n') ++m_line;
    }
    m_pos = close + tag.size();
    mark_content(start, start_line);
    m_after_dot = false;
    return true;
  }

  bool word() {
    const std::size_t start = m_pos;
    const int start_line = m_line;
    skip_word_chars();
    const Keyword keyword_text(m_text.substr(start, m_pos - start));
    const std::string_view upper = keyword_text.view();
    if (!m_has_content && upper == "DELIMITER") return delimiter_directive(start_line);
    const bool qualified = m_after_dot;
    mark_content(start, start_line);
    m_after_dot = false;
    if (upper == "E" && m_pos < m_text.size() && m_text[m_pos] == '\'') {
      note_dialect_difference();  // PostgreSQL's E'...' is no word
      if (m_dialect == Dialect::postgresql) return quoted('\'', true, "string literal E'...'");
    }
    if (!qualified) keyword(upper, start_line);
    return true;
  }

  // Tracks whether this statement may hold a BEGIN ... END body and how deep it is.
  void keyword(std::string_view upper, int line) {
    ++m_words;
    if (m_words == 1) {
      m_routine = (upper == "CREATE" || upper == "ALTER") ? Routine::undecided : Routine::no;
      return;
    }
    if (m_routine == Routine::undecided) {
      if (is_one_of(upper, k_routine_kinds)) {
        m_routine = Routine::yes;
      } else if (is_one_of(upper, k_plain_kinds) || m_words > k_kind_search_words) {
        m_routine = Routine::no;
      }
      return;
    }
    if (m_routine != Routine::yes || m_custom_delimiter) return;
    if (upper == "BEGIN" || (upper == "CASE" && !m_case_closed)) {
      if (m_depth == 0) {
        m_block_line = line;
        m_block_opener = std::string(upper);
      }
      ++m_depth;
    } else if (upper == "END") {
      const Keyword next_word(peek_word());
      const std::string_view next = next_word.view();
      if (!is_one_of(next, k_uncounted_enders) && m_depth > 0) --m_depth;
      m_case_closed = next == "CASE";
      return;
    }
    m_case_closed = false;
  }

  // The word after the current position, skipping whitespace; not consumed.
  std::string_view peek_word() const {
    std::size_t j = m_pos;
    while (j < m_text.size() && is_space(m_text[j])) ++j;
    const std::size_t start = j;
    while (j < m_text.size() && is_word_char(m_text[j])) ++j;
    return m_text.substr(start, j - start);
  }

  // MySQL client's `DELIMITER xx` line: changes the statement delimiter, is not a statement.
  bool delimiter_directive(int line) {
    if (m_dialect != Dialect::mysql) {
      return fail(line,
                  "DELIMITER is a mysql client directive; use it only in a mysql section "
                  "(-- +upgrade mysql)");
    }
    while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t')) ++m_pos;
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() && !is_space(m_text[m_pos])) ++m_pos;
    const std::string_view delimiter = m_text.substr(start, m_pos - start);
    if (delimiter.empty()) return fail(line, "DELIMITER needs a delimiter, e.g. DELIMITER //");
    if (delimiter.size() > k_max_delimiter_length) {
      return fail(
          line, "DELIMITER longer than " + std::to_string(k_max_delimiter_length) + " characters");
    }
    if (delimiter.find('\\') != std::string_view::npos) {
      return fail(line, "DELIMITER cannot contain a backslash");
    }
    m_delimiter = std::string(delimiter);
    m_custom_delimiter = m_delimiter != ";";
    return skip_line_comment();
  }

  void mark_content(std::size_t start, int line) {
    if (!m_has_content) {
      m_has_content = true;
      m_start = start;
      m_start_line = line;
    }
    m_end = m_pos;
  }

  void finish_statement() {
    if (m_has_content && m_collect == Collect::statements) {
      m_statements.push_back(
          Statement{std::string(m_text.substr(m_start, m_end - m_start)), m_start_line});
    }
    m_has_content = false;
    m_words = 0;
    m_routine = Routine::no;
    m_depth = 0;
    m_parens = 0;
    m_case_closed = false;
    m_after_dot = false;
  }

  bool fail(int line, const std::string& what) {
    m_error = make_error(ErrorKind::parse,
                         std::string(m_path) + ":" + std::to_string(line) + ": " + what);
    return false;
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  int m_line;
  Dialect m_dialect;
  std::string_view m_path;
  Collect m_collect;
  bool m_watch;
  bool m_dialects_differ = false;
  std::string m_delimiter = ";";
  bool m_custom_delimiter = false;  // m_delimiter is not ";" (after a DELIMITER directive)
  std::vector<Statement> m_statements;
  std::optional<Error> m_error;

  // The statement being collected.
  bool m_has_content = false;
  std::size_t m_start = 0;
  std::size_t m_end = 0;
  int m_start_line = 0;
  bool m_after_dot = false;  // the previous token was `.`, so a word is a qualified name
  int m_words = 0;           // unqualified words seen so far
  Routine m_routine = Routine::no;
  int m_depth = 0;       // open BEGIN/CASE blocks of a routine statement
  int m_parens = 0;      // open parentheses (only psql keeps a `;` inside them)
  int m_block_line = 0;  // line of the outermost open block
  std::string m_block_opener;
  bool m_case_closed = false;  // the previous word was END and this CASE belongs to it
};

}  // namespace

Result<std::vector<Statement>> split_statements(std::string_view text, int first_line,
                                                Dialect dialect, std::string_view path) {
  return Splitter(text, first_line, dialect, path).run();
}

std::optional<DialectSplitError> first_split_error(std::string_view text, int first_line,
                                                   std::string_view path) {
  Splitter neutral(text, first_line, Dialect::sqlite, path, Collect::nothing, WatchDialects::yes);
  Result<std::vector<Statement>> split = neutral.run();
  if (!split) return DialectSplitError{Dialect::sqlite, split.error()};
  if (!neutral.dialects_may_differ()) return std::nullopt;
  for (const Dialect dialect : {Dialect::postgresql, Dialect::mysql}) {
    split = Splitter(text, first_line, dialect, path, Collect::nothing).run();
    if (!split) return DialectSplitError{dialect, split.error()};
  }
  return std::nullopt;
}

}  // namespace magent::core
