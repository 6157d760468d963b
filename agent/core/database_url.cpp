#include "agent/core/database_url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "agent/core/utf8.hpp"

namespace magent::core {
namespace {

constexpr std::string_view k_redaction = "***";
constexpr std::string_view k_whitespace = " \t\r\n\f\v";

enum class HexCase { upper, lower };

bool is_unreserved(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string encode(std::string_view text, std::string_view keep, HexCase hex_case) {
  static constexpr std::string_view k_upper = "0123456789ABCDEF";
  static constexpr std::string_view k_lower = "0123456789abcdef";
  const std::string_view digits = hex_case == HexCase::upper ? k_upper : k_lower;
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c) || keep.find(c) != std::string_view::npos) {
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += digits[byte >> 4U];
    out += digits[byte & 0x0FU];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(k_whitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(k_whitespace);
  return text.substr(first, last - first + 1);
}

bool is_secret_option(std::string_view name) {
  const std::string lower = lowercase(name);
  return lower.find("password") != std::string::npos || lower.find("passwd") != std::string::npos;
}

// The error, kept to one printable line: a control character that came from the URL (a raw
// one, or one percent-decoded from it) is shown as \xNN.
Error url_error(const std::string& message) {
  return make_error(ErrorKind::config, escape_control_characters(message));
}

struct Scheme {
  Dialect dialect = Dialect::sqlite;
};

Result<Scheme> parse_scheme(std::string_view scheme) {
  const bool printable = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '_' || c == '-' ||
           c == '.';
  });
  if (!printable) {
    return url_error("database URL has no valid scheme before \"://\" (supported: " +
                     std::string(k_supported_url_schemes) + ")");
  }
  const auto plus = scheme.find('+');
  const std::string base = lowercase(scheme.substr(0, plus));
  if (plus != std::string_view::npos) {
    const std::string_view driver = scheme.substr(plus + 1);
    const bool word = !driver.empty() && std::all_of(driver.begin(), driver.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
    if (!word) {
      return url_error("database URL scheme \"" + std::string(scheme) +
                       "\" has a malformed driver suffix (expected +word, e.g. +psycopg2)");
    }
  }
  if (base == "postgresql" || base == "postgres") return Scheme{Dialect::postgresql};
  if (base == "mysql" || base == "mariadb") return Scheme{Dialect::mysql};
  if (base == "sqlite") return Scheme{Dialect::sqlite};
  return url_error("unknown database URL scheme \"" + std::string(scheme) + "\" (supported: " +
                   std::string(k_supported_url_schemes) + ", each with an optional +driver)");
}

Result<std::map<std::string, std::string>> parse_query(std::string_view text) {
  std::map<std::string, std::string> options;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (piece.empty()) continue;
    const auto eq = piece.find('=');
    std::string name = percent_decode(piece.substr(0, eq), PlusSign::plus_is_space);
    std::string value = eq == std::string_view::npos
                            ? std::string{}
                            : percent_decode(piece.substr(eq + 1), PlusSign::plus_is_space);
    if (name.empty()) return url_error("database URL has a query option without a name");
    if (options.count(name) != 0) {
      return url_error("database URL query option \"" + percent_encode(name, "") +
                       "\" is given twice");
    }
    options.emplace(std::move(name), std::move(value));
  }
  return options;
}

Result<int> parse_port(std::string_view text) {
  if (text.empty()) return url_error("database URL has an empty port after ':'");
  if (!std::all_of(text.begin(), text.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return url_error("database URL port is not a number (expected 1..65535)");
  }
  const std::string_view digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
  int port = 0;
  if (digits.size() <= 5) {
    for (const char c : digits) port = port * 10 + (c - '0');
  }
  if (digits.size() > 5 || port < 1 || port > 65535) {
    return url_error("database URL port " + std::string(text) + " is out of range 1..65535");
  }
  return port;
}

// sqlite://, sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory:
Result<void> parse_sqlite(std::string_view rest, DatabaseUrl& url) {
  const auto question = rest.find('?');
  const std::string_view path = rest.substr(0, question);
  if (question != std::string_view::npos) {
    auto query = parse_query(rest.substr(question + 1));
    if (!query) return query.error();
    url.query = std::move(*query);
  }
  if (path.empty()) return {};
  if (path.front() != '/') {
    return url_error(
        "an SQLite URL has no host: write sqlite:///relative/path.db, "
        "sqlite:////absolute/path.db or sqlite:// for an in-memory database");
  }
  const std::string_view file = path.substr(1);
  url.database = file == ":memory:" ? std::string{} : std::string(file);
  return {};
}

// [user[:password]@][host][:port]/database[?query]
Result<void> parse_server(std::string_view rest, DatabaseUrl& url) {
  // The last '@' ends the credentials, so an unencoded '@', ':' or '/' in a password
  // still parses; an '@' inside a query value must be written %40.
  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    url.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  const auto host_end = rest.find_first_of("/?");
  const std::string_view host_port = rest.substr(0, host_end);
  rest = host_end == std::string_view::npos ? std::string_view{} : rest.substr(host_end);

  std::string_view host = host_port;
  std::optional<std::string_view> port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    if (close == std::string_view::npos) {
      return url_error("database URL IPv6 host is missing its closing ']'");
    }
    host = host_port.substr(1, close - 1);
    const std::string_view after = host_port.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return url_error("database URL has unexpected text after the IPv6 host (expected ':PORT')");
    }
    if (!after.empty()) port_text = after.substr(1);
  } else if (const auto colon = host_port.find(':'); colon != std::string_view::npos) {
    if (host_port.find(':', colon + 1) != std::string_view::npos) {
      return url_error("database URL IPv6 host must be in brackets, e.g. [::1]:5432");
    }
    host = host_port.substr(0, colon);
    port_text = host_port.substr(colon + 1);
  }
  url.host = percent_decode(host);
  if (port_text) {
    auto port = parse_port(*port_text);
    if (!port) return port.error();
    url.port = *port;
  }

  const auto question = rest.find('?');
  if (!rest.empty() && rest.front() == '/') {
    url.database = percent_decode(
        rest.substr(1, question == std::string_view::npos ? question : question - 1));
  }
  if (question != std::string_view::npos) {
    auto query = parse_query(rest.substr(question + 1));
    if (!query) return query.error();
    url.query = std::move(*query);
  }
  if (url.database.empty()) {
    return url_error("database URL is missing the database name (e.g. " +
                     std::string(to_string(url.dialect)) + "://user@host/DBNAME)");
  }
  return {};
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  std::size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), with);
    pos += with.size();
  }
}

}  // namespace

std::string percent_decode(std::string_view text, PlusSign plus) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += (c == '+' && plus == PlusSign::plus_is_space) ? ' ' : c;
  }
  return out;
}

std::string percent_encode(std::string_view text, std::string_view keep) {
  return encode(text, keep, HexCase::upper);
}

std::string DatabaseUrl::redacted() const {
  std::string out = scheme + "://";
  if (dialect == Dialect::sqlite) {
    if (!database.empty()) out += "/" + database;
  } else {
    if (!user.empty() || !password.empty()) {
      out += percent_encode(user);
      if (!password.empty()) out += ":" + std::string(k_redaction);
      out += '@';
    }
    // Brackets for an IPv6 literal; anything else in the host stays encoded inside them.
    out += host.find(':') != std::string::npos ? "[" + percent_encode(host, ":") + "]"
                                               : percent_encode(host);
    if (port != 0) out += ":" + std::to_string(port);
    out += "/" + percent_encode(database);
  }
  char separator = '?';
  for (const auto& [name, value] : query) {
    out += separator;
    out += percent_encode(name);
    out += '=';
    out += is_secret_option(name) ? std::string(k_redaction) : percent_encode(value, "/:,");
    separator = '&';
  }
  return out;
}

Result<DatabaseUrl> parse_database_url(std::string_view text) {
  text = trim(text);
  if (text.empty()) return url_error("database URL is empty");
  const auto separator = text.find("://");
  if (separator == std::string_view::npos) {
    return url_error(
        "database URL is missing \"://\" after the scheme (e.g. postgresql://user@host/db or "
        "sqlite:///app.db)");
  }
  const std::string_view scheme_text = text.substr(0, separator);
  auto scheme = parse_scheme(scheme_text);
  if (!scheme) return scheme.error();

  DatabaseUrl url;
  url.dialect = scheme->dialect;
  url.scheme = std::string(scheme_text);
  const std::string_view rest = text.substr(separator + 3);
  auto parsed = url.dialect == Dialect::sqlite ? parse_sqlite(rest, url) : parse_server(rest, url);
  if (!parsed) return parsed.error();
  return url;
}

std::string redact_secrets(std::string_view text, const DatabaseUrl& url) {
  std::vector<std::string> secrets;
  if (!url.password.empty()) secrets.push_back(url.password);
  for (const auto& [name, value] : url.query) {
    if (is_secret_option(name) && !value.empty()) secrets.push_back(value);
  }
  std::vector<std::string> forms;
  for (const auto& secret : secrets) {
    forms.push_back(secret);
    forms.push_back(encode(secret, {}, HexCase::upper));
    forms.push_back(encode(secret, {}, HexCase::lower));
    // Only the characters that must be escaped in userinfo, as hand-written URLs do.
    forms.push_back(encode(secret, "!$&'()*+,;=", HexCase::upper));
    forms.push_back(encode(secret, "!$&'()*+,;=", HexCase::lower));
    std::string plus_form = encode(secret, " ", HexCase::upper);
    std::replace(plus_form.begin(), plus_form.end(), ' ', '+');
    forms.push_back(std::move(plus_form));
  }
  std::sort(forms.begin(), forms.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  std::string out(text);
  for (const auto& form : forms) replace_all(out, form, k_redaction);
  return out;
}

}  // namespace magent::core
