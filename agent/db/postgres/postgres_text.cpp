#include "agent/db/postgres/postgres_text.hpp"

#include <cctype>
#include <utility>

namespace magent::db {
namespace {

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Length of the dollar-quote tag ("$" or "$tag$") starting at sql[i], or 0 when sql[i]
// does not open one ($1 is a parameter, not a tag).
std::size_t dollar_tag_length(std::string_view sql, std::size_t i) {
  if (i > 0 && is_identifier_char(sql[i - 1])) return 0;  // a$b is an identifier
  std::size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) != 0) return 0;
  while (j < sql.size() && sql[j] != '$') {
    if (!is_identifier_char(sql[j])) return 0;
    ++j;
  }
  return j < sql.size() ? j - i + 1 : 0;
}

// Index just past the end of a quoted run opened at sql[i] by `quote`; a doubled quote
// stays inside, and with `backslashes` (E'...') a backslash escapes the next character.
std::size_t skip_quoted(std::string_view sql, std::size_t i, char quote, bool backslashes) {
  std::size_t j = i + 1;
  while (j < sql.size()) {
    if (backslashes && sql[j] == '\\') {
      j += 2;
      continue;
    }
    if (sql[j] == quote) {
      if (j + 1 < sql.size() && sql[j + 1] == quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    ++j;
  }
  return sql.size();
}

// Index just past a /* ... */ comment opened at sql[i]; PostgreSQL comments nest.
std::size_t skip_block_comment(std::string_view sql, std::size_t i) {
  int depth = 0;
  std::size_t j = i;
  while (j + 1 < sql.size()) {
    if (sql[j] == '/' && sql[j + 1] == '*') {
      ++depth;
      j += 2;
    } else if (sql[j] == '*' && sql[j + 1] == '/') {
      j += 2;
      if (--depth == 0) return j;
    } else {
      ++j;
    }
  }
  return sql.size();
}

// Appends key='value' with libpq's quoting (backslash before ' and \).
void append_pair(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out.append(key);
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string to_postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 1;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    std::size_t end = i + 1;
    if (c == '\'') {
      const bool escaped = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i < 2 || !is_identifier_char(sql[i - 2]));
      end = skip_quoted(sql, i, '\'', escaped);
    } else if (c == '"') {
      end = skip_quoted(sql, i, '"', false);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      end = skip_block_comment(sql, i);
    } else if (c == '$') {
      if (std::size_t tag = dollar_tag_length(sql, i); tag > 0) {
        std::size_t close = sql.find(sql.substr(i, tag), i + tag);
        end = close == std::string_view::npos ? sql.size() : close + tag;
      }
    } else if (c == '?') {
      out += '$';
      out += std::to_string(next++);
      ++i;
      continue;
    }
    out.append(sql.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string postgres_conninfo(const core::DatabaseUrl& url,
                              std::chrono::milliseconds connect_timeout,
                              std::string_view application_name) {
  std::string out;
  if (!url.host.empty() && url.query.count("host") == 0) append_pair(out, "host", url.host);
  if (url.port > 0 && url.query.count("port") == 0) {
    append_pair(out, "port", std::to_string(url.port));
  }
  if (!url.user.empty()) append_pair(out, "user", url.user);
  if (!url.password.empty()) append_pair(out, "password", url.password);
  if (!url.database.empty()) append_pair(out, "dbname", url.database);
  for (const auto& [key, value] : url.query) {
    if (key == "connect_timeout" || key == "application_name") continue;
    append_pair(out, key, value);
  }
  // Notice a silently dead peer in about a minute, not the system's two hours, unless the
  // URL says otherwise.
  for (const auto& [key, value] : {std::pair<const char*, const char*>{"keepalives_idle", "30"},
                                   {"keepalives_interval", "10"},
                                   {"keepalives_count", "3"}}) {
    if (url.query.count(key) == 0) append_pair(out, key, value);
  }
  const auto seconds = (connect_timeout.count() + 999) / 1000;
  append_pair(out, "connect_timeout", std::to_string(seconds < 1 ? 1 : seconds));
  append_pair(out, "application_name", application_name);
  return out;
}

std::string postgres_address(const core::DatabaseUrl& url) {
  std::string host = url.host;
  if (auto it = url.query.find("host"); it != url.query.end()) host = it->second;
  if (host.empty()) host = "localhost";
  std::string port = url.port > 0 ? std::to_string(url.port) : "5432";
  if (auto it = url.query.find("port"); it != url.query.end()) port = it->second;
  return host + ":" + port + "/" + url.database;
}

}  // namespace magent::db
