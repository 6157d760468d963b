#include "agent/core/python_migration.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/python_lexer.hpp"
#include "agent/core/revision_id.hpp"
#include "agent/core/utf8.hpp"

namespace magent::core {
namespace {

using Kind = PythonToken::Kind;
using Tokens = std::vector<PythonToken>;

constexpr std::array<std::string_view, 4> k_variables = {"revision", "down_revision",
                                                         "branch_labels", "depends_on"};
// How deeply redundant parentheses may nest around a value: ((("a"))).
constexpr int k_max_paren_depth = 8;

// A literal value: None, one string, or a tuple/list of strings.
struct Literal {
  enum class Shape { none, string, sequence };
  Shape shape = Shape::none;
  std::vector<std::string> items;  // one item for a string
};

// A module-level assignment to one of the variables.
struct Assignment {
  Literal value;
  int line = 0;
};

bool is_op(const PythonToken& token, std::string_view op) {
  return token.kind == Kind::op && token.text == op;
}

bool is_open(const PythonToken& t) {
  return is_op(t, "(") || is_op(t, "[") || is_op(t, "{");
}
bool is_close(const PythonToken& t) {
  return is_op(t, ")") || is_op(t, "]") || is_op(t, "}");
}

// Index of the bracket closing the one at `open`, or `end` when it is not closed before end.
std::size_t matching_close(const Tokens& tokens, std::size_t open, std::size_t end) {
  int depth = 0;
  for (std::size_t i = open; i < end; ++i) {
    if (is_open(tokens[i])) ++depth;
    if (is_close(tokens[i]) && --depth == 0) return i;
  }
  return end;
}

// Reads literal values from a token range; never evaluates anything.
class LiteralReader {
 public:
  explicit LiteralReader(const Tokens& tokens) : m_tokens(tokens) {}

  std::optional<Literal> value(std::size_t begin, std::size_t end, int parens = 0) const {
    if (begin >= end || parens > k_max_paren_depth) return std::nullopt;
    if (end - begin == 1 && m_tokens[begin].kind == Kind::name && m_tokens[begin].text == "None") {
      return Literal{};
    }
    const std::vector<std::size_t> commas = top_level_commas(begin, end);
    if (!commas.empty()) return sequence(begin, end, commas);
    if (std::optional<std::string> text = strings(begin, end)) {
      return Literal{Literal::Shape::string, {std::move(*text)}};
    }
    if (is_op(m_tokens[begin], "(") && matching_close(m_tokens, begin, end) == end - 1) {
      if (end - begin == 2) return Literal{Literal::Shape::sequence, {}};
      return value(begin + 1, end - 1, parens + 1);
    }
    if (is_op(m_tokens[begin], "[") && matching_close(m_tokens, begin, end) == end - 1) {
      if (end - begin == 2) return Literal{Literal::Shape::sequence, {}};
      const std::vector<std::size_t> inner = top_level_commas(begin + 1, end - 1);
      return sequence(begin + 1, end - 1, inner);
    }
    return std::nullopt;
  }

 private:
  std::vector<std::size_t> top_level_commas(std::size_t begin, std::size_t end) const {
    std::vector<std::size_t> commas;
    int depth = 0;
    for (std::size_t i = begin; i < end; ++i) {
      if (is_open(m_tokens[i])) ++depth;
      if (is_close(m_tokens[i])) --depth;
      if (depth == 0 && is_op(m_tokens[i], ",")) commas.push_back(i);
    }
    return commas;
  }

  // Comma-separated string elements (a trailing comma is allowed).
  std::optional<Literal> sequence(std::size_t begin, std::size_t end,
                                  const std::vector<std::size_t>& commas) const {
    Literal literal{Literal::Shape::sequence, {}};
    std::size_t start = begin;
    for (std::size_t k = 0; k <= commas.size(); ++k) {
      const std::size_t stop = k < commas.size() ? commas[k] : end;
      if (k == commas.size() && start == stop && !commas.empty()) break;  // trailing comma
      std::optional<Literal> item = element(start, stop);
      if (!item) return std::nullopt;
      literal.items.push_back(std::move(item->items.front()));
      start = stop + 1;
    }
    return literal;
  }

  // One element of a tuple or list: a string, possibly in redundant parentheses.
  std::optional<Literal> element(std::size_t begin, std::size_t end) const {
    int parens = 0;
    while (end - begin >= 2 && parens < k_max_paren_depth && is_op(m_tokens[begin], "(") &&
           matching_close(m_tokens, begin, end) == end - 1) {
      ++begin;
      --end;
      ++parens;
    }
    std::optional<std::string> text = strings(begin, end);
    if (!text) return std::nullopt;
    return Literal{Literal::Shape::string, {std::move(*text)}};
  }

  // Adjacent str literals concatenated ("a" 'b'), or nullopt for anything else.
  std::optional<std::string> strings(std::size_t begin, std::size_t end) const {
    if (begin >= end) return std::nullopt;
    std::string joined;
    for (std::size_t i = begin; i < end; ++i) {
      const PythonToken& token = m_tokens[i];
      if (token.kind != Kind::string || token.bytes || token.formatted) return std::nullopt;
      joined += token.value;
    }
    return joined;
  }

  const Tokens& m_tokens;
};

// The value's source text for an error message, shortened.
std::string snippet(const Tokens& tokens, std::size_t begin) {
  if (begin >= tokens.size()) return "";
  const char* first = tokens[begin].text.data();
  const PythonToken& last = tokens.back();
  std::string text(first, static_cast<std::size_t>(last.text.data() + last.text.size() - first));
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// `src` with CRLF and lone CR turned into LF, as Python reads source files.
std::string universal_newlines(std::string_view src) {
  std::string out;
  out.reserve(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  return out;
}

std::string_view file_name(std::string_view path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Alembic's legacy rule (0.1): without a `revision` variable, a file named "<hex>.py".
std::optional<std::string> legacy_revision_from_name(std::string_view path) {
  const std::string_view name = file_name(path);
  if (name.size() <= 3 || name.substr(name.size() - 3) != ".py") return std::nullopt;
  const std::string_view stem = name.substr(0, name.size() - 3);
  const bool hex = std::all_of(stem.begin(), stem.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (!hex) return std::nullopt;
  return std::string(stem);
}

// Alembic's Script.doc: the module docstring, stripped, up to its first blank line ("\n\n").
std::string docstring_message(const std::vector<PythonStatement>& statements) {
  if (statements.empty()) return "";
  const Tokens& tokens = statements.front().tokens;
  std::size_t begin = 0;
  std::size_t end = tokens.size();
  for (int parens = 0; parens < k_max_paren_depth && end - begin >= 2 &&
                       is_op(tokens[begin], "(") && matching_close(tokens, begin, end) == end - 1;
       ++parens) {
    ++begin;
    --end;
  }
  std::string doc;
  for (std::size_t i = begin; i < end; ++i) {
    if (tokens[i].kind != Kind::string || tokens[i].bytes || tokens[i].formatted) return "";
    doc += tokens[i].value;
  }
  const std::string_view stripped = python_strip(doc);
  return std::string(stripped.substr(0, stripped.find("\n\n")));
}

class PythonReader {
 public:
  PythonReader(std::string_view path, std::vector<PythonStatement> statements)
      : m_path(path), m_statements(std::move(statements)) {}

  Result<Revision> run() {
    for (const PythonStatement& statement : m_statements) {
      if (!statement.module_level) continue;
      if (std::optional<Error> error = assignment(statement)) return std::move(*error);
    }
    return build();
  }

 private:
  std::optional<Error> assignment(const PythonStatement& statement) {
    const Tokens& tokens = statement.tokens;
    if (tokens.size() < 2 || tokens[0].kind != Kind::name) return std::nullopt;
    const std::string_view name = tokens[0].text;
    if (std::find(k_variables.begin(), k_variables.end(), name) == k_variables.end()) {
      return std::nullopt;
    }
    std::size_t equals = 1;
    if (is_op(tokens[1], ":")) {  // annotated: find the `=` after the annotation
      int depth = 0;
      for (equals = 2; equals < tokens.size(); ++equals) {
        if (is_open(tokens[equals])) ++depth;
        if (is_close(tokens[equals])) --depth;
        if (depth == 0 && is_op(tokens[equals], "=")) break;
      }
      if (equals == tokens.size()) return std::nullopt;  // annotation without a value
    } else if (!is_op(tokens[1], "=")) {
      const std::string_view op = tokens[1].text;
      const bool augmented = tokens[1].kind == Kind::op && op.size() >= 2 && op.back() == '=' &&
                             op != "==" && op != "!=" && op != "<=" && op != ">=";
      if (!augmented) return std::nullopt;
      return fail(statement.line, std::string(name) + " is changed with '" + std::string(op) +
                                      "'; the agent reads only literal assignments");
    }
    std::optional<Literal> value = LiteralReader(tokens).value(equals + 1, tokens.size());
    if (!value) {
      return fail(statement.line,
                  std::string(name) + " = " + snippet(tokens, equals + 1) +
                      " is not None, a string, or a tuple or list of strings (the agent "
                      "reads literals and never runs Python)");
    }
    m_assignments[std::string(name)] = Assignment{std::move(*value), statement.line};
    return std::nullopt;
  }

  Result<Revision> build() {
    Revision revision;
    revision.path = std::string(m_path);
    revision.kind = FileKind::python;
    revision.message = docstring_message(m_statements);

    int revision_line = 1;
    const auto rev = m_assignments.find("revision");
    if (rev == m_assignments.end()) {
      std::optional<std::string> legacy = legacy_revision_from_name(m_path);
      if (!legacy) {
        return fail(1, "Could not determine revision id from filename " +
                           std::string(file_name(m_path)) +
                           ". Be sure the 'revision' variable is declared inside the script");
      }
      revision.id = std::move(*legacy);
    } else {
      revision_line = rev->second.line;
      if (rev->second.value.shape != Literal::Shape::string) {
        return fail(revision_line, "revision must be a string");
      }
      revision.id = rev->second.value.items.front();
    }
    if (std::optional<std::string> problem = revision_id_problem(revision.id)) {
      return fail(revision_line, "revision: " + *problem);
    }
    if (m_assignments.find("down_revision") == m_assignments.end()) {
      return fail(revision_line, "revision " + revision.id +
                                     " has no down_revision assignment (write "
                                     "down_revision = None for a base revision)");
    }
    Result<std::vector<std::string>> down = ids("down_revision", IdKind::revision);
    if (!down) return down.error();
    Result<std::vector<std::string>> depends = ids("depends_on", IdKind::revision);
    if (!depends) return depends.error();
    Result<std::vector<std::string>> labels = ids("branch_labels", IdKind::label);
    if (!labels) return labels.error();
    revision.down_revisions = std::move(*down);
    revision.depends_on = std::move(*depends);
    revision.branch_labels = std::move(*labels);
    const auto names_itself = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), revision.id) != list.end();
    };
    if (names_itself(revision.down_revisions)) {
      return fail(m_assignments["down_revision"].line, self_loop_message(revision.id));
    }
    if (names_itself(revision.depends_on)) {
      return fail(m_assignments["depends_on"].line, dependency_self_loop_message(revision.id));
    }
    return revision;
  }

  enum class IdKind { revision, label };

  // The ids of one variable: None, "" and () mean none; duplicates are dropped as Alembic's
  // sets do; each id is checked.
  Result<std::vector<std::string>> ids(const std::string& name, IdKind kind) {
    std::vector<std::string> out;
    const auto it = m_assignments.find(name);
    if (it == m_assignments.end()) return out;
    const Literal& value = it->second.value;
    if (value.shape == Literal::Shape::string && value.items.front().empty()) return out;
    for (const std::string& id : value.items) {
      const std::optional<std::string> problem =
          kind == IdKind::label ? branch_label_problem(id) : revision_id_problem(id);
      if (problem) return fail(it->second.line, name + ": " + *problem);
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
  }

  Error fail(int line, const std::string& what) const {
    return make_error(ErrorKind::parse,
                      std::string(m_path) + ":" + std::to_string(line) + ": " + what);
  }

  std::string_view m_path;
  std::vector<PythonStatement> m_statements;
  std::map<std::string, Assignment> m_assignments;  // the last assignment wins, as in Python
};

}  // namespace

Result<Revision> parse_python_migration(std::string_view path, std::string_view text) {
  Result<std::string_view> checked = checked_utf8_text(path, text);
  if (!checked) return checked.error();
  const std::string source = universal_newlines(*checked);
  Result<std::vector<PythonStatement>> statements = lex_python(path, source);
  if (!statements) return statements.error();
  return PythonReader(path, std::move(*statements)).run();
}

}  // namespace magent::core
