#include "agent/core/sql_migration.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/core/revision_id.hpp"
#include "agent/core/statement_splitter.hpp"
#include "agent/core/utf8.hpp"

namespace magent::core {
namespace {

constexpr std::array<std::string_view, 6> k_header_keys = {
    "revision", "down_revision", "branch_labels", "depends_on", "message", "transaction"};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n';
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_header_key(std::string_view key) {
  return std::find(k_header_keys.begin(), k_header_keys.end(), key) != k_header_keys.end();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The known key closest to `key` when it is close enough to be a typo of it.
std::optional<std::string_view> close_header_key(std::string_view key) {
  const std::string folded = lower(key);
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (std::string_view known : k_header_keys) {
    const std::size_t distance = edit_distance(folded, known);
    const std::size_t allowed = std::max<std::size_t>(2, known.size() / 3);
    if (distance <= allowed && (!best || distance < best_distance)) {
      best = known;
      best_distance = distance;
    }
  }
  return best;
}

// `-- word: value` where word is [A-Za-z][A-Za-z0-9_]* directly followed by a colon.
struct KeyLine {
  std::string_view key;
  std::string_view value;
};

std::optional<KeyLine> key_line(std::string_view comment_body) {
  std::size_t i = 0;
  if (comment_body.empty() || !is_letter(comment_body[0])) return std::nullopt;
  while (i < comment_body.size() && (is_letter(comment_body[i]) || comment_body[i] == '_' ||
                                     (comment_body[i] >= '0' && comment_body[i] <= '9'))) {
    ++i;
  }
  if (i >= comment_body.size() || comment_body[i] != ':') return std::nullopt;
  return KeyLine{comment_body.substr(0, i), trim(comment_body.substr(i + 1))};
}

struct HeaderValue {
  std::string value;
  int line = 0;
};

class SqlParser {
 public:
  SqlParser(std::string_view path, std::string_view text) : m_path(path), m_text(text) {}

  Result<Revision> run() {
    std::size_t offset = 0;
    int line = 1;
    while (offset <= m_text.size()) {
      std::size_t end = m_text.find('\n', offset);
      if (end == std::string_view::npos) end = m_text.size();
      const std::size_t next = std::min(end + 1, m_text.size() + 1);
      if (std::optional<Error> error =
              read_line(m_text.substr(offset, end - offset), offset, next, line)) {
        return std::move(*error);
      }
      offset = next;
      ++line;
    }
    close_section(m_text.size());
    return finish();
  }

 private:
  using Section = SqlSections::Section;

  std::optional<Error> read_line(std::string_view raw, std::size_t offset, std::size_t next,
                                 int line) {
    const std::string_view text = trim(raw);
    if (text.substr(0, 2) == "--") {
      const std::string_view body = trim(text.substr(2));
      if (body.size() >= 2 && body[0] == '+' && is_letter(body[1])) {
        return section_marker(body, offset, next, line);
      }
      if (std::optional<KeyLine> key = key_line(body)) return header_line(*key, line);
      return std::nullopt;
    }
    if (text.empty() || m_current != nullptr) return std::nullopt;
    return fail(line,
                "SQL before the first '-- +upgrade' section; the header holds only "
                "'-- key: value' lines and comments");
  }

  std::optional<Error> section_marker(std::string_view body, std::size_t offset, std::size_t next,
                                      int line) {
    std::size_t word_end = 1;
    while (word_end < body.size() && !is_blank(body[word_end])) ++word_end;
    const std::string marker = lower(body.substr(1, word_end - 1));
    const std::string_view rest = trim(body.substr(word_end));
    std::size_t dialect_end = 0;
    while (dialect_end < rest.size() && !is_blank(rest[dialect_end])) ++dialect_end;
    const std::string_view dialect_name = rest.substr(0, dialect_end);
    const std::string_view extra = trim(rest.substr(dialect_end));

    if (marker != "upgrade" && marker != "downgrade") {
      return fail(line, "unknown section marker '+" + marker +
                            "' (expected '-- +upgrade' or '-- +downgrade', optionally "
                            "followed by sqlite, postgresql or mysql)");
    }
    std::size_t index = SqlSections::k_generic;
    if (!dialect_name.empty()) {
      const std::optional<Dialect> dialect = dialect_from_string(lower(dialect_name));
      if (!dialect) {
        return fail(line, "unknown dialect '" + std::string(dialect_name) + "' in '-- +" + marker +
                              "' (expected sqlite, postgresql, postgres, mysql or "
                              "mariadb)");
      }
      index = SqlSections::index_of(*dialect);
    }
    if (!extra.empty()) {
      return fail(line, "unexpected '" + std::string(extra) + "' after '-- +" + marker +
                            (dialect_name.empty() ? "" : " " + std::string(dialect_name)) + "'");
    }
    auto& sections = marker == "upgrade" ? m_sections->upgrade : m_sections->downgrade;
    Section& section = sections[index];
    const std::string label =
        marker + (index == SqlSections::k_generic
                      ? std::string()
                      : " " + std::string(to_string(static_cast<Dialect>(index - 1))));
    if (section.present) {
      return fail(line, "duplicate section '-- +" + label + "' (first on line " +
                            std::to_string(section.first_line - 1) + ")");
    }
    close_section(offset);
    section.present = true;
    section.first_line = line + 1;
    m_current = &section;
    m_current_start = std::min(next, m_text.size());
    return std::nullopt;
  }

  std::optional<Error> header_line(const KeyLine& key, int line) {
    const std::string name(key.key);
    if (m_current != nullptr) {
      if (is_header_key(name) && name != "message") {
        return fail(line, "header key '" + name +
                              "' inside a section; header lines must come before the first "
                              "'-- +upgrade'");
      }
      return std::nullopt;
    }
    if (!is_header_key(name)) {
      const std::optional<std::string_view> close = close_header_key(name);
      const bool looks_like_key =
          close || (lower(name) == name && name.find('_') != std::string::npos);
      if (!looks_like_key) return std::nullopt;  // an ordinary comment such as "-- Note: ..."
      if (close) {
        return fail(
            line, "unknown header key '" + name + "'; did you mean '" + std::string(*close) + "'?");
      }
      return fail(line, "unknown header key '" + name +
                            "' (known keys: revision, down_revision, branch_labels, "
                            "depends_on, message, transaction)");
    }
    const auto [it, inserted] = m_header.emplace(name, HeaderValue{std::string(key.value), line});
    if (!inserted) {
      return fail(line, "duplicate header key '" + name + "' (first on line " +
                            std::to_string(it->second.line) + ")");
    }
    return std::nullopt;
  }

  void close_section(std::size_t end) {
    if (m_current == nullptr) return;
    const std::size_t start = std::min(m_current_start, end);
    m_current->text = std::string(m_text.substr(start, end - start));
    m_current = nullptr;
  }

  // Comma-separated ids of `key`; "none" or empty means no ids.
  Result<std::vector<std::string>> id_list(const std::string& key, bool labels) {
    std::vector<std::string> ids;
    const auto it = m_header.find(key);
    if (it == m_header.end()) return ids;
    const std::string_view value = trim(it->second.value);
    if (value.empty() || lower(value) == "none") return ids;
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      const std::string id(trim(value.substr(start, comma - start)));
      const std::optional<std::string> problem =
          labels ? branch_label_problem(id) : revision_id_problem(id);
      if (problem) return fail(it->second.line, key + ": " + *problem);
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
        return fail(it->second.line, key + " names '" + id + "' twice");
      }
      ids.push_back(id);
      start = comma + 1;
    }
    return ids;
  }

  Result<Revision> finish() {
    Revision revision;
    revision.path = std::string(m_path);
    revision.kind = FileKind::sql;
    const auto rev = m_header.find("revision");
    if (rev == m_header.end()) {
      return fail(1, "missing '-- revision: <id>' header line");
    }
    revision.id = std::string(trim(rev->second.value));
    if (std::optional<std::string> problem = revision_id_problem(revision.id)) {
      return fail(rev->second.line, "revision: " + *problem);
    }
    Result<std::vector<std::string>> down = id_list("down_revision", false);
    if (!down) return down.error();
    Result<std::vector<std::string>> depends = id_list("depends_on", false);
    if (!depends) return depends.error();
    Result<std::vector<std::string>> labels = id_list("branch_labels", true);
    if (!labels) return labels.error();
    revision.down_revisions = std::move(*down);
    revision.depends_on = std::move(*depends);
    revision.branch_labels = std::move(*labels);
    if (contains(revision.down_revisions, revision.id)) {
      return fail(m_header["down_revision"].line, self_loop_message(revision.id));
    }
    if (contains(revision.depends_on, revision.id)) {
      return fail(m_header["depends_on"].line, dependency_self_loop_message(revision.id));
    }
    if (const auto message = m_header.find("message"); message != m_header.end()) {
      revision.message = std::string(trim(message->second.value));
    }
    if (const auto mode = m_header.find("transaction"); mode != m_header.end()) {
      const std::string value(trim(mode->second.value));
      if (value == "none") {
        revision.transaction = TransactionMode::none;
      } else if (value != "per-migration") {
        return fail(mode->second.line, "revision " + revision.id + ": unknown transaction mode '" +
                                           value + "' (expected per-migration or none)");
      }
    }
    const bool has_upgrade = std::any_of(m_sections->upgrade.begin(), m_sections->upgrade.end(),
                                         [](const Section& s) { return s.present; });
    if (!has_upgrade) {
      return fail(rev->second.line, "revision " + revision.id + " has no '-- +upgrade' section");
    }
    if (std::optional<Error> error = check_statements(revision.id)) return std::move(*error);
    revision.sql = std::move(m_sections);
    return revision;
  }

  // Splits every present section now, so a broken quote fails at load time, not at apply:
  // a generic section as each of the three dialects would (first_split_error splits it once
  // when they cannot disagree), a dialect's own section as that dialect.
  std::optional<Error> check_statements(const std::string& id) const {
    for (const Direction direction : {Direction::upgrade, Direction::downgrade}) {
      const auto& sections =
          direction == Direction::upgrade ? m_sections->upgrade : m_sections->downgrade;
      for (std::size_t index = 0; index < sections.size(); ++index) {
        const Section& section = sections[index];
        if (!section.present) continue;
        const auto located = [&](const Error& error) {
          return error.message + " in the " + std::string(to_string(direction)) +
                 " section of revision " + id;
        };
        if (index == SqlSections::k_generic) {
          if (std::optional<DialectSplitError> failed =
                  first_split_error(section.text, section.first_line, m_path)) {
            return make_error(ErrorKind::parse, located(failed->error) + " (read as " +
                                                    std::string(to_string(failed->dialect)) +
                                                    ")");
          }
          continue;
        }
        const auto dialect = static_cast<Dialect>(index - 1);
        Result<std::vector<Statement>> split =
            split_statements(section.text, section.first_line, dialect, m_path);
        if (!split) return make_error(ErrorKind::parse, located(split.error()));
      }
    }
    return std::nullopt;
  }

  static bool contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  Error fail(int line, const std::string& what) const {
    return make_error(ErrorKind::parse,
                      std::string(m_path) + ":" + std::to_string(line) + ": " + what);
  }

  std::string_view m_path;
  std::string_view m_text;
  std::map<std::string, HeaderValue> m_header;
  std::unique_ptr<SqlSections> m_sections = std::make_unique<SqlSections>();
  Section* m_current = nullptr;  // the section whose body is being read
  std::size_t m_current_start = 0;
};

}  // namespace

Result<Revision> parse_sql_migration(std::string_view path, std::string_view text) {
  Result<std::string_view> body = checked_utf8_text(path, text);
  if (!body) return body.error();
  return SqlParser(path, *body).run();
}

Result<std::vector<Statement>> statements_for(const Revision& revision, Direction direction,
                                              Dialect dialect) {
  const std::string name = "revision " + revision.id + " (" + revision.path + ")";
  if (!revision.sql) {
    return make_error(ErrorKind::resolution, name + " is not a .sql migration");
  }
  const auto& sections =
      direction == Direction::upgrade ? revision.sql->upgrade : revision.sql->downgrade;
  const SqlSections::Section* section = &sections[SqlSections::index_of(dialect)];
  if (!section->present) section = &sections[SqlSections::k_generic];
  if (!section->present) {
    const bool any = std::any_of(sections.begin(), sections.end(),
                                 [](const SqlSections::Section& s) { return s.present; });
    std::string message = name + " has no " + std::string(to_string(direction)) + " section";
    if (any) message += " for " + std::string(to_string(dialect));
    return make_error(ErrorKind::resolution, std::move(message));
  }
  return split_statements(section->text, section->first_line, dialect, revision.path);
}

}  // namespace magent::core
