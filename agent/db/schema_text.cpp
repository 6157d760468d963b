// serialize() and deserialize() of schema_fingerprint.hpp: the canonical text format.
#include <array>
#include <map>

#include "agent/db/schema_fingerprint.hpp"

namespace magent::db {
namespace {

constexpr std::string_view k_magic = "schema-snapshot";
constexpr std::string_view k_format_version = "1";

struct ConstraintWord {
  ConstraintKind kind;
  std::string_view word;
};
constexpr std::array<ConstraintWord, 5> k_constraint_words{{
    {ConstraintKind::primary_key, "primary-key"},
    {ConstraintKind::unique, "unique"},
    {ConstraintKind::foreign_key, "foreign-key"},
    {ConstraintKind::check, "check"},
    {ConstraintKind::exclusion, "exclusion"},
}};

std::string_view word_for(ConstraintKind kind) {
  for (const ConstraintWord& w : k_constraint_words) {
    if (w.kind == kind) return w.word;
  }
  return "constraint";
}

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

bool needs_quotes(std::string_view field) {
  if (field.empty()) return true;
  for (char ch : field) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '"' || c == '\\' || is_control(c)) return true;
  }
  return false;
}

void append_field(std::string& out, std::string_view field) {
  if (!out.empty() && out.back() != '\n') out += ' ';
  if (!needs_quotes(field)) {
    out += field;
    return;
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : field) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (is_control(c)) {
          out += "\\x";
          out += k_hex[c >> 4U];
          out += k_hex[c & 0xFU];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void append_line(std::string& out, std::initializer_list<std::string_view> fields) {
  for (std::string_view f : fields) append_field(out, f);
  out += '\n';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits one line into fields; nullopt when a quote or escape is malformed.
std::optional<std::vector<std::string>> split_fields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    if (!fields.empty()) {
      if (line[i] != ' ') return std::nullopt;
      ++i;
    }
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size() && !closed) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
        } else if (c != '\\') {
          field += c;
        } else if (i >= line.size()) {
          return std::nullopt;
        } else {
          const char e = line[i++];
          if (e == 'n') {
            field += '\n';
          } else if (e == 't') {
            field += '\t';
          } else if (e == 'r') {
            field += '\r';
          } else if (e == '"' || e == '\\') {
            field += e;
          } else if (e == 'x' && i + 1 < line.size() && hex_value(line[i]) >= 0 &&
                     hex_value(line[i + 1]) >= 0) {
            field += static_cast<char>(hex_value(line[i]) * 16 + hex_value(line[i + 1]));
            i += 2;
          } else {
            return std::nullopt;
          }
        }
      }
      if (!closed) return std::nullopt;
      if (i < line.size() && line[i] != ' ') return std::nullopt;
    } else {
      const std::size_t end = std::min(line.find(' ', i), line.size());
      field.assign(line.substr(i, end - i));
      if (field.empty()) return std::nullopt;
      i = end;
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

class Reader {
 public:
  core::Result<SchemaSnapshot> read(std::string_view text) {
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      ++line_number;
      auto fields = split_fields(text.substr(start, end - start));
      if (!fields) return bad(line_number, "malformed field");
      if (auto problem = line(*fields, line_number == 1); !problem.empty()) {
        return bad(line_number, problem);
      }
      start = end + 1;
    }
    if (line_number == 0) return bad(1, "empty text");
    return std::move(m_snapshot);
  }

 private:
  static core::Error bad(std::size_t line_number, std::string_view problem) {
    return core::make_error(
        core::ErrorKind::parse,
        "schema snapshot line " + std::to_string(line_number) + ": " + std::string(problem));
  }

  SchemaTable* table(const std::string& name) {
    auto it = m_table_index.find(name);
    return it == m_table_index.end() ? nullptr : &m_snapshot.tables[it->second];
  }

  // Reads one line's fields; returns what is wrong with it, or "".
  std::string line(const std::vector<std::string>& f, bool first) {
    if (first) {
      if (f.size() != 3 || f[0] != k_magic) return "not a schema snapshot";
      if (f[1] != k_format_version) return "unknown format version " + f[1];
      auto dialect = core::dialect_from_string(f[2]);
      if (!dialect) return "unknown dialect " + f[2];
      m_snapshot.dialect = *dialect;
      return "";
    }
    if (f.empty()) return "empty line";
    const std::string& kind = f[0];
    if (kind == "table") {
      if (f.size() != 2) return "table takes a name";
      if (table(f[1]) != nullptr) return "table " + f[1] + " listed twice";
      m_table_index[f[1]] = m_snapshot.tables.size();
      m_snapshot.tables.push_back({.name = f[1]});
      return "";
    }
    if (kind == "view") {
      if (f.size() != 3) return "view takes a name and a definition";
      m_snapshot.views.push_back({f[1], f[2]});
      return "";
    }
    if (f.size() < 2) return kind + " without a table";
    SchemaTable* owner = table(f[1]);
    if (owner == nullptr) return kind + " of unlisted table " + f[1];
    if (kind == "column") return column(*owner, f);
    if (kind == "index") {
      if (f.size() != 5 || (f[3] != "unique" && f[3] != "non-unique")) {
        return "index takes table, name, unique|non-unique, definition";
      }
      owner->indexes.push_back({f[2], f[3] == "unique", f[4]});
      return "";
    }
    for (const ConstraintWord& w : k_constraint_words) {
      if (kind != w.word) continue;
      if (f.size() != 4) return kind + " takes table, name, definition";
      owner->constraints.push_back({w.kind, f[2], f[3]});
      return "";
    }
    return "unknown object kind " + kind;
  }

  static std::string column(SchemaTable& owner, const std::vector<std::string>& f) {
    if (f.size() < 5 || (f[4] != "null" && f[4] != "not-null")) {
      return "column takes table, name, type, null|not-null";
    }
    SchemaColumn c{.name = f[2], .type = f[3], .nullable = f[4] == "null"};
    for (std::size_t i = 5; i < f.size(); i += 2) {
      if (i + 1 >= f.size()) return "column attribute " + f[i] + " without a value";
      if (f[i] == "default" && !c.default_expr && c.extra.empty()) {
        c.default_expr = f[i + 1];
      } else if (f[i] == "extra" && c.extra.empty()) {
        c.extra = f[i + 1];
      } else {
        return "unexpected column attribute " + f[i];
      }
    }
    owner.columns.push_back(std::move(c));
    return "";
  }

  SchemaSnapshot m_snapshot;
  std::map<std::string, std::size_t> m_table_index;
};

}  // namespace

std::string serialize(const SchemaSnapshot& snapshot) {
  std::string out;
  append_line(out, {k_magic, k_format_version, core::to_string(snapshot.dialect)});
  for (const SchemaTable& t : snapshot.tables) {
    append_line(out, {"table", t.name});
    for (const SchemaColumn& c : t.columns) {
      append_field(out, "column");
      append_field(out, t.name);
      append_field(out, c.name);
      append_field(out, c.type);
      append_field(out, c.nullable ? "null" : "not-null");
      if (c.default_expr) {
        append_field(out, "default");
        append_field(out, *c.default_expr);
      }
      if (!c.extra.empty()) {
        append_field(out, "extra");
        append_field(out, c.extra);
      }
      out += '\n';
    }
    for (const SchemaIndex& i : t.indexes) {
      append_line(out, {"index", t.name, i.name, i.unique ? "unique" : "non-unique", i.definition});
    }
    for (const SchemaConstraint& c : t.constraints) {
      append_line(out, {word_for(c.kind), t.name, c.name, c.definition});
    }
  }
  for (const SchemaView& v : snapshot.views) append_line(out, {"view", v.name, v.definition});
  return out;
}

core::Result<SchemaSnapshot> deserialize(std::string_view text) {
  return Reader().read(text);
}

}  // namespace magent::db
