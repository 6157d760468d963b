#include "agent/config/values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace magent::config {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t k_max_duration_ms = 366LL * 24 * 3600 * 1000;  // a year is plenty
constexpr std::size_t k_max_echo = 60;
constexpr std::size_t k_max_identifier = 63;    // PostgreSQL's NAMEDATALEN - 1
constexpr std::size_t k_max_socket_path = 107;  // sizeof(sockaddr_un::sun_path) - 1
constexpr std::string_view k_whitespace = " \t\r\n\f\v";
constexpr std::string_view k_duration_hint =
    R"(a duration like "10s" or "1m30s" (units ms, s, m, h))";

core::Error fail(std::string message) {
  return core::make_error(core::ErrorKind::config, std::move(message));
}

std::string quoted(std::string_view text) {
  Value value = string_value(std::string(text));
  return describe_value(value);
}

std::string lower_trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(k_whitespace);
  if (first == std::string_view::npos) return {};
  text = text.substr(first, text.find_last_not_of(k_whitespace) - first + 1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Optimal string alignment distance: edits, counting a swap of neighbours as one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

core::Result<void> check_port(std::string_view port, std::string_view whole) {
  const bool digits =
      !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), is_digit);
  if (!digits || std::stoi(std::string(port)) > 65535) {
    return fail("expected HOST:PORT with a port from 0 to 65535, got " + quoted(whole));
  }
  return {};
}

}  // namespace

core::Result<milliseconds> parse_duration(std::string_view text) {
  const std::string bad = "expected " + std::string(k_duration_hint) + ", got " + quoted(text);
  if (text.empty()) return fail(bad);
  // Zero needs no unit ("0" as written for `rescan_interval = "0"`: never); any other
  // number does, since "10" could mean seconds or milliseconds.
  if (text.find_first_not_of('0') == std::string_view::npos) return milliseconds{0};
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (number > k_max_duration_ms)
        return fail("duration " + quoted(text) + " is too long (at most 8784h)");
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return fail(bad);
    std::int64_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit = 60'000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit = 3'600'000;
      ++i;
    } else {
      return fail(bad);
    }
    if (number > k_max_duration_ms / unit)
      return fail("duration " + quoted(text) + " is too long (at most 8784h)");
    total += number * unit;
    if (total > k_max_duration_ms)
      return fail("duration " + quoted(text) + " is too long (at most 8784h)");
  }
  return milliseconds{total};
}

core::Result<milliseconds> duration_from(const Value& value, ZeroIs zero) {
  milliseconds duration{0};
  if (value.type == Value::Type::string) {
    auto parsed = parse_duration(value.text);
    if (!parsed) return parsed.error();
    duration = *parsed;
  } else if (value.type == Value::Type::integer) {
    if (value.integer < 0 || value.integer > k_max_duration_ms / 1000) {
      return fail("expected " + std::string(k_duration_hint) +
                  " or whole seconds 0..31622400, got " + describe_value(value));
    }
    duration = milliseconds{value.integer * 1000};
  } else {
    return fail("expected " + std::string(k_duration_hint) + " or whole seconds, got " +
                describe_value(value));
  }
  if (zero == ZeroIs::rejected && duration.count() == 0) {
    return fail("must be greater than zero, got " + describe_value(value));
  }
  return duration;
}

std::string format_duration(milliseconds duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  const std::array<std::pair<std::int64_t, std::string_view>, 4> units{
      {{3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size);
      out += name;
      ms %= size;
    }
  }
  return out;
}

std::optional<bool> parse_switch(std::string_view text, SwitchWords words) {
  const std::string word = lower_trimmed(text);
  if (word == "1" || word == "true" || word == "yes" || word == "on") return true;
  if (word.empty() || word == "0" || word == "false" || word == "no" || word == "off") return false;
  if (words == SwitchWords::now_lms && (word == "development" || word == "dev")) return true;
  return std::nullopt;
}

core::Result<std::string> string_from(const Value& value) {
  if (value.type != Value::Type::string)
    return fail("expected a string, got " + describe_value(value));
  return value.text;
}

core::Result<std::int64_t> integer_from(const Value& value, std::int64_t min, std::int64_t max) {
  if (value.type != Value::Type::integer || value.integer < min || value.integer > max) {
    return fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                ", got " + describe_value(value));
  }
  return value.integer;
}

core::Result<bool> boolean_from(const Value& value, const Origin& origin) {
  if (value.type == Value::Type::boolean) return value.boolean;
  if (value.type == Value::Type::string && origin.kind != SourceKind::file) {
    const SwitchWords words =
        origin.kind == SourceKind::environment && origin.name == env::k_now_lms_auto_migrate
            ? SwitchWords::now_lms
            : SwitchWords::standard;
    if (auto on = parse_switch(value.text, words)) return *on;
    return fail(
        R"(expected 1, true, yes or on to enable, or 0, false, no, off or "" to disable (any case), got )" +
        describe_value(value));
  }
  return fail("expected true or false, got " + describe_value(value));
}

core::Result<void> check_identifier(std::string_view text) {
  const auto head = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  const auto tail = [&](char c) { return head(c) || is_digit(c) || c == '$'; };
  if (text.empty() || !head(text.front()) || !std::all_of(text.begin() + 1, text.end(), tail)) {
    return fail("expected an SQL identifier ([A-Za-z_][A-Za-z0-9_$]*), got " + quoted(text));
  }
  if (text.size() > k_max_identifier) {
    return fail("identifier " + quoted(text) +
                " is longer than 63 characters (PostgreSQL's limit)");
  }
  return {};
}

core::Result<void> check_listen_address(std::string_view text) {
  if (text.empty()) return {};
  const std::string expected =
      R"(expected HOST:PORT like "127.0.0.1:9464" or "[::1]:9464" ("0.0.0.0:9464" for all interfaces, "" to disable), got )" +
      quoted(text);
  if (text.front() == '[') {
    const auto close = text.find(']');
    const std::string_view host =
        close == std::string_view::npos ? std::string_view{} : text.substr(1, close - 1);
    const bool ok_host = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.' ||
             c == '%' || std::isalnum(static_cast<unsigned char>(c)) != 0;
    });
    if (!ok_host || close + 1 >= text.size() || text[close + 1] != ':') return fail(expected);
    return check_port(text.substr(close + 2), text);
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return fail(expected);
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos) {
    return fail("an IPv6 listen address needs brackets, like \"[::1]:9464\", got " + quoted(text));
  }
  const bool ok_host = std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
  });
  if (!ok_host) return fail(expected);
  return check_port(text.substr(colon + 1), text);
}

core::Result<void> check_socket_path(std::string_view text) {
  if (text.empty()) return {};
  if (text.find('\0') != std::string_view::npos) return fail("socket path contains a NUL byte");
  if (text.back() == '/') {
    return fail(
        R"(expected a socket file path like "/run/migration-agent/control.sock", got the directory )" +
        quoted(text));
  }
  if (text.size() > k_max_socket_path) {
    return fail("socket path is " + std::to_string(text.size()) +
                " bytes; a Unix socket path holds at most 107, got " + quoted(text));
  }
  return {};
}

core::Result<void> check_revision_id(std::string_view text) {
  const bool bad = text.empty() || std::any_of(text.begin(), text.end(), [](char c) {
                     return c == '@' || c == '-' || c == '+' || c == ':' || c == ',' ||
                            std::isspace(static_cast<unsigned char>(c)) != 0 ||
                            std::iscntrl(static_cast<unsigned char>(c)) != 0;
                   });
  if (bad) return fail("expected a revision id without @ - + : , or spaces, got " + quoted(text));
  return {};
}

core::Result<void> check_command_placeholders(std::string_view command, TargetPlaceholder target) {
  bool has_target = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (command[i] != '{') continue;
    const auto close = command.find('}', i);
    if (i > 0 && command[i - 1] == '$') {  // ${VAR}: the shell's, not ours
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (close == std::string_view::npos)
      return fail("has a '{' without a closing '}' (placeholders look like {target})");
    const std::string_view name = command.substr(i + 1, close - i - 1);
    if (name != "target") {
      return fail("unknown placeholder {" + std::string(name).substr(0, k_max_echo) +
                  "} (the only placeholder is {target}; ${VAR} is left to the shell)");
    }
    has_target = true;
    i = close;
  }
  if (target == TargetPlaceholder::required && !has_target) {
    return fail("must contain the {target} placeholder (the revision to move to)");
  }
  return {};
}

core::Result<LogFormat> log_format_from(std::string_view text) {
  const std::string word = lower_trimmed(text);
  if (word == "text") return LogFormat::text;
  if (word == "json") return LogFormat::json;
  return fail(R"(expected "text" or "json", got )" + quoted(text));
}

core::Result<MultipleHeadsPolicy> multiple_heads_from(std::string_view text) {
  const std::string word = lower_trimmed(text);
  if (word == "upgrade") return MultipleHeadsPolicy::upgrade_all;
  if (word == "hold") return MultipleHeadsPolicy::hold;
  return fail(R"(expected "upgrade" or "hold", got )" + quoted(text));
}

core::Result<std::string> log_level_from(std::string_view text) {
  const std::string word = lower_trimmed(text);
  for (const std::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    if (word == level) return word;
  }
  return fail("expected one of trace, debug, info, warn, error, got " + quoted(text));
}

std::string_view to_string(LogFormat format) {
  return format == LogFormat::json ? "json" : "text";
}

std::string_view to_string(MultipleHeadsPolicy policy) {
  return policy == MultipleHeadsPolicy::hold ? "hold" : "upgrade";
}

std::string nearest_word(std::string_view word, std::span<const std::string_view> candidates) {
  std::string best;
  std::size_t best_distance = 3;  // more than two edits is not a typo
  for (const std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance && distance * 2 < std::max(word.size(), candidate.size())) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

std::string describe_value(const Value& value) {
  switch (value.type) {
    case Value::Type::string: {
      std::string text = mask_url_credentials(value.text);
      if (text.size() > k_max_echo) text = text.substr(0, k_max_echo - 3) + "...";
      for (char& c : text) {
        if (std::iscntrl(static_cast<unsigned char>(c)) != 0) c = '?';
      }
      return "\"" + text + "\"";
    }
    case Value::Type::integer:
      return std::to_string(value.integer);
    case Value::Type::boolean:
      return value.boolean ? "true" : "false";
    case Value::Type::floating:
      return value.text;
    case Value::Type::array:
      return "an array";
    case Value::Type::table:
      return "a table";
    case Value::Type::date_time:
      return "a date/time";
  }
  return "?";
}

std::string mask_url_credentials(std::string_view text) {
  std::string out(text);
  std::size_t from = 0;
  while ((from = out.find("://", from)) != std::string::npos) {
    const std::size_t start = from + 3;
    const std::size_t end = std::min(out.find_first_of(" \t\r\n\"'", start), out.size());
    const std::string_view segment = std::string_view(out).substr(start, end - start);
    const auto at = segment.rfind('@');
    const auto colon = segment.find(':');
    if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
      out.replace(start + colon + 1, at - colon - 1, "***");
    }
    from = start;
  }
  return out;
}

}  // namespace magent::config
