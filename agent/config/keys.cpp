#include "agent/config/keys.hpp"

#include <algorithm>
#include <cctype>

#include "agent/core/database_url.hpp"

namespace magent::config {
namespace {

using std::chrono::milliseconds;
using Type = Value::Type;

constexpr std::int64_t k_max_id = 4'294'967'294;  // uid_t/gid_t; (uid_t)-1 means "none"
constexpr std::string_view k_whitespace = " \t\r\n\f\v";

// Whether an empty string is a meaningful value for a key.
enum class Empty { allowed, rejected };

core::Error fail(std::string message) {
  return core::make_error(core::ErrorKind::config, std::move(message));
}

std::string quoted(std::string_view text) {
  return describe_value(string_value(std::string(text)));
}

KeySpec duration_key(std::string_view section, std::string_view key, ZeroIs zero,
                     DurationField field) {
  return KeySpec{section, key, nullptr, field, zero};
}

// --- generic setters ---------------------------------------------------------------------

core::Result<void> set_duration(const Value& value, ZeroIs zero, milliseconds& out) {
  auto duration = duration_from(value, zero);
  if (!duration) return duration.error();
  out = *duration;
  return {};
}

core::Result<void> set_string(const Value& value, Empty empty, std::string& out) {
  auto text = string_from(value);
  if (!text) return text.error();
  if (empty == Empty::rejected && text->empty()) return fail("must not be empty");
  out = std::move(*text);
  return {};
}

core::Result<void> set_identifier(const Value& value, Empty empty, std::string& out) {
  auto text = string_from(value);
  if (!text) return text.error();
  if (!(empty == Empty::allowed && text->empty())) {
    if (auto ok = check_identifier(*text); !ok) return ok.error();
  }
  out = std::move(*text);
  return {};
}

template <class T>
core::Result<void> set_integer(const Value& value, std::int64_t min, std::int64_t max, T& out) {
  auto number = integer_from(value, min, max);
  if (!number) return number.error();
  out = static_cast<T>(*number);
  return {};
}

core::Result<void> set_ids(const Value& value, std::vector<unsigned>& out) {
  const std::string expected = "expected an array of non-negative integer ids like [0, 1000], got ";
  if (value.type != Type::array) return fail(expected + describe_value(value));
  std::vector<unsigned> ids;
  for (const Value& element : value.children) {
    if (element.type != Type::integer || element.integer < 0 || element.integer > k_max_id) {
      return fail(expected + "an element " + describe_value(element));
    }
    ids.push_back(static_cast<unsigned>(element.integer));
  }
  out = std::move(ids);
  return {};
}

// --- [database] URL keys -----------------------------------------------------------------

bool same_layer(const Origin& a, const Origin& b) {
  return a.kind == b.kind && (a.kind != SourceKind::file || a.name == b.name);
}

std::string url_key_name(const UrlSource& source) {
  return source.origin.kind == SourceKind::file ? source.key : source.origin.name;
}

core::Result<void> note_url_source(const Setting& setting, KeyContext& context) {
  const UrlSource current{setting.origin, setting.key};
  for (const UrlSource& earlier : context.url_sources) {
    if (same_layer(earlier.origin, current.origin) && earlier.key != current.key) {
      return fail(url_key_name(earlier) + " and " + url_key_name(current) +
                  " are both set; keep one");
    }
  }
  context.url_sources.push_back(current);
  return {};
}

core::Result<void> apply_url(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  if (auto ok = note_url_source(setting, context); !ok) return ok;
  auto url = core::parse_database_url(*text);
  if (!url) return url.error();
  context.config.database.url = std::move(*url);
  context.config.database.url_file.clear();
  return {};
}

core::Result<void> apply_url_file(const Setting& setting, KeyContext& context) {
  std::string path;
  if (auto ok = set_string(setting.value, Empty::rejected, path); !ok) return ok;
  if (auto ok = note_url_source(setting, context); !ok) return ok;
  auto content = context.read_file(path);
  if (!content) return fail(content.error().message);
  std::string_view text = *content;
  text = text.substr(0, text.find_last_not_of(k_whitespace) + 1);
  if (text.empty()) return fail("secret file " + quoted(path) + " is empty");
  auto url = core::parse_database_url(text);
  if (!url) return fail("secret file " + quoted(path) + ": " + url.error().message);
  context.config.database.url = std::move(*url);
  context.config.database.url_file = path;
  return {};
}

core::Result<void> apply_lock_url(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  if (text->empty()) {
    context.config.database.lock_url.reset();
    return {};
  }
  auto url = core::parse_database_url(*text);
  if (!url) return url.error();
  context.config.database.lock_url = std::move(*url);
  return {};
}

// --- keys with their own rules -------------------------------------------------------------

core::Result<void> apply_auto_migrate(const Setting& setting, KeyContext& context) {
  auto on = boolean_from(setting.value, setting.origin);
  if (!on) return on.error();
  context.config.apply.auto_migrate = *on;
  return {};
}

core::Result<void> apply_multiple_heads(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  auto policy = multiple_heads_from(*text);
  if (!policy) return policy.error();
  context.config.apply.multiple_heads = *policy;
  return {};
}

core::Result<void> apply_socket(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  if (auto ok = check_socket_path(*text); !ok) return ok;
  context.config.control.socket = std::move(*text);
  return {};
}

core::Result<void> apply_listen(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  if (auto ok = check_listen_address(*text); !ok) return ok;
  context.config.metrics.listen = std::move(*text);
  return {};
}

core::Result<void> apply_log_format(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  auto format = log_format_from(*text);
  if (!format) return format.error();
  context.config.log.format = *format;
  return {};
}

core::Result<void> apply_log_level(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  auto level = log_level_from(*text);
  if (!level) return level.error();
  context.config.log.level = std::move(*level);
  return {};
}

core::Result<void> apply_command(const Setting& setting, TargetPlaceholder target,
                                 std::string& out) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  if (!text->empty()) {
    if (auto ok = check_command_placeholders(*text, target); !ok) return ok;
  }
  out = std::move(*text);
  return {};
}

bool is_variable_name(std::string_view name) {
  const auto head = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
  };
  return !name.empty() && head(name.front()) &&
         std::all_of(name.begin() + 1, name.end(), [&](char c) {
           return head(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
         });
}

core::Result<void> apply_runner_env(const Setting& setting, KeyContext& context) {
  if (setting.value.type != Type::table) {
    return fail(R"(expected a table of strings like { FLASK_APP = "now_lms" }, got )" +
                describe_value(setting.value));
  }
  std::map<std::string, std::string> variables;
  for (const Value& entry : setting.value.children) {
    if (!is_variable_name(entry.key)) {
      context.nested_error = {"env." + entry.key, entry.line};
      return fail("expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    }
    if (entry.type != Type::string) {
      context.nested_error = {"env." + entry.key, entry.line};
      return fail("expected a string, got " + describe_value(entry));
    }
    variables[entry.key] = entry.text;
  }
  context.config.runner.env = std::move(variables);
  return {};
}

}  // namespace

core::Result<void> apply_alias(const Setting& setting, KeyContext& context) {
  if (auto ok = check_revision_id(setting.key); !ok) {
    return fail("old revision id: " + ok.error().message);
  }
  auto target = string_from(setting.value);
  if (!target)
    return fail("expected the new revision id as a string, got " + describe_value(setting.value));
  if (auto ok = check_revision_id(*target); !ok) return ok;
  if (*target == setting.key) return fail("aliases revision " + quoted(setting.key) + " to itself");
  context.config.aliases.renamed[setting.key] = std::move(*target);
  context.alias_origins[setting.key] = setting.origin;
  return {};
}

core::Result<void> apply_baseline_table(const Setting& setting, KeyContext& context) {
  auto text = string_from(setting.value);
  if (!text) return text.error();
  if (!text->empty()) {  // "table" or "schema.table"
    const auto dot = text->find('.');
    if (auto ok = check_identifier(std::string_view(*text).substr(0, dot)); !ok) return ok;
    if (dot != std::string::npos) {
      if (auto ok = check_identifier(std::string_view(*text).substr(dot + 1)); !ok) return ok;
    }
  }
  context.config.baseline.when_table_exists = std::move(*text);
  return {};
}

core::Result<void> apply_baseline_revision(const Setting& setting, KeyContext& context) {
  std::string text;
  if (auto ok = set_string(setting.value, Empty::rejected, text); !ok) return ok;
  if (text.find_first_of(k_whitespace) != std::string::npos) {
    return fail("expected a revision like \"heads\" or an id, without spaces, got " + quoted(text));
  }
  context.config.baseline.revision = std::move(text);
  return {};
}

const std::vector<KeySpec>& key_table() {
  static const std::vector<KeySpec> table{
      {"database", "url", apply_url},
      {"database", "url_file", apply_url_file},
      {"database", "lock_url", apply_lock_url},
      duration_key("database", "connect_timeout", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.database.connect_timeout; }),
      duration_key("database", "wait_timeout", ZeroIs::allowed,
                   [](Config& c) -> milliseconds& { return c.database.wait_timeout; }),
      {"database", "version_table",
       [](const Setting& s, KeyContext& c) {
         return set_identifier(s.value, Empty::rejected, c.config.database.version_table);
       }},
      {"database", "version_table_schema",
       [](const Setting& s, KeyContext& c) {
         return set_identifier(s.value, Empty::allowed, c.config.database.version_table_schema);
       }},
      {"database", "version_table_width",
       [](const Setting& s, KeyContext& c) {
         return set_integer(s.value, 1, 255, c.config.database.version_table_width);
       }},
      {"database", "ledger_table",
       [](const Setting& s, KeyContext& c) {
         return set_identifier(s.value, Empty::rejected, c.config.database.ledger_table);
       }},
      {"migrations", "dir",
       [](const Setting& s, KeyContext& c) {
         return set_string(s.value, Empty::rejected, c.config.migrations.dir);
       }},
      {"apply", "auto_migrate", apply_auto_migrate},
      duration_key("apply", "lock_timeout", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.apply.lock_timeout; }),
      duration_key("apply", "statement_timeout", ZeroIs::allowed,
                   [](Config& c) -> milliseconds& { return c.apply.statement_timeout; }),
      duration_key("apply", "ddl_lock_timeout", ZeroIs::allowed,
                   [](Config& c) -> milliseconds& { return c.apply.ddl_lock_timeout; }),
      {"apply", "step_retries",
       [](const Setting& s, KeyContext& c) {
         return set_integer(s.value, 0, 100, c.config.apply.step_retries);
       }},
      {"apply", "multiple_heads", apply_multiple_heads},
      duration_key("daemon", "poll_interval", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.daemon.poll_interval; }),
      duration_key("daemon", "debounce", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.daemon.debounce; }),
      duration_key("daemon", "rescan_interval", ZeroIs::allowed,
                   [](Config& c) -> milliseconds& { return c.daemon.rescan_interval; }),
      duration_key("daemon", "shutdown_grace", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.daemon.shutdown_grace; }),
      duration_key("daemon", "retry_initial", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.daemon.retry_initial; }),
      duration_key("daemon", "retry_max", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.daemon.retry_max; }),
      {"control", "socket", apply_socket},
      {"control", "allow_uids",
       [](const Setting& s, KeyContext& c) {
         return set_ids(s.value, c.config.control.allow_uids);
       }},
      {"control", "allow_gids",
       [](const Setting& s, KeyContext& c) {
         return set_ids(s.value, c.config.control.allow_gids);
       }},
      {"control", "max_request_bytes",
       [](const Setting& s, KeyContext& c) {
         return set_integer(s.value, 1024, 16 * 1024 * 1024, c.config.control.max_request_bytes);
       }},
      {"control", "max_connections",
       [](const Setting& s, KeyContext& c) {
         return set_integer(s.value, 1, 4096, c.config.control.max_connections);
       }},
      duration_key("control", "idle_timeout", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.control.idle_timeout; }),
      duration_key("control", "request_timeout", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.control.request_timeout; }),
      {"metrics", "listen", apply_listen},
      {"log", "format", apply_log_format},
      {"log", "level", apply_log_level},
      {"runner", "command",
       [](const Setting& s, KeyContext& c) {
         return apply_command(s, TargetPlaceholder::optional, c.config.runner.command);
       }},
      {"runner", "downgrade_command",
       [](const Setting& s, KeyContext& c) {
         return apply_command(s, TargetPlaceholder::required, c.config.runner.downgrade_command);
       }},
      {"runner", "working_dir",
       [](const Setting& s, KeyContext& c) {
         return set_string(s.value, Empty::allowed, c.config.runner.working_dir);
       }},
      {"runner", "env", apply_runner_env},
      duration_key("runner", "timeout", ZeroIs::rejected,
                   [](Config& c) -> milliseconds& { return c.runner.timeout; }),
      {"aliases", "auto_stamp",
       [](const Setting& s, KeyContext& c) -> core::Result<void> {
         if (s.value.type != Type::boolean)
           return fail("expected true or false, got " + describe_value(s.value));
         c.config.aliases.auto_stamp = s.value.boolean;
         return {};
       }},
      {"baseline", "when_table_exists", apply_baseline_table},
      {"baseline", "revision", apply_baseline_revision},
  };
  return table;
}

core::Result<void> apply_key(const KeySpec& spec, const Setting& setting, KeyContext& context) {
  if (spec.duration != nullptr) {
    return set_duration(setting.value, spec.zero, spec.duration(context.config));
  }
  return spec.apply(setting, context);
}

}  // namespace magent::config
