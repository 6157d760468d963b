#include "agent/config/build.hpp"

#include <algorithm>

#include "agent/config/keys.hpp"
#include "agent/config/values.hpp"
#include "agent/core/database_url.hpp"

namespace magent::config {
namespace {

core::Error fail(std::string message) {
  return core::make_error(core::ErrorKind::config, std::move(message));
}

std::string quoted(std::string_view text) {
  return describe_value(string_value(std::string(text)));
}

std::vector<std::string_view> keys_of(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const KeySpec& spec : key_table()) {
    if (spec.section == section) keys.push_back(spec.key);
  }
  return keys;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (const auto word : words) out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

// The complaint for a key no section knows, or a section that does not exist.
std::string unknown_message(const Setting& setting) {
  const auto sections = known_sections();
  if (setting.section.empty()) {
    if (std::find(sections.begin(), sections.end(), setting.key) != sections.end()) {
      return "must be a table (a [" + setting.key + "] section), got " +
             describe_value(setting.value);
    }
    for (const KeySpec& spec : key_table()) {
      if (spec.key == setting.key)
        return "unknown top-level key (did you mean [" + std::string(spec.section) + "] " +
               setting.key + "?)";
    }
    return "unknown top-level key; keys belong in sections: " + join(sections);
  }
  if (setting.key.empty()) {
    const std::string guess = nearest_word(setting.section, sections);
    if (!guess.empty()) return "unknown section (did you mean [" + guess + "]?)";
    return "unknown section; known sections: " + join(sections);
  }
  const auto keys = keys_of(setting.section);
  const std::string guess = nearest_word(setting.key, keys);
  if (!guess.empty()) return "unknown key (did you mean " + guess + "?)";
  return "unknown key; [" + setting.section + "] takes: " + join(keys);
}

core::Result<void> apply_one(const Setting& setting, KeyContext& context) {
  const auto sections = known_sections();
  const bool known_section =
      std::find(sections.begin(), sections.end(), setting.section) != sections.end();
  if (setting.section.empty()) return fail(unknown_message(setting));
  if (setting.key.empty())
    return known_section ? core::Result<void>{} : fail(unknown_message(setting));
  if (!known_section) return {};  // reported at its header
  if (setting.section == "aliases" && setting.key != "auto_stamp")
    return apply_alias(setting, context);
  for (const KeySpec& spec : key_table()) {
    if (spec.section == setting.section && spec.key == setting.key) {
      auto applied = apply_key(spec, setting, context);
      if (applied) context.origins[setting.section + "." + setting.key] = setting.origin;
      return applied;
    }
  }
  return fail(unknown_message(setting));
}

// Checks that span several keys, once every layer has been applied.
core::Result<void> check_whole(KeyContext& context) {
  const Config& config = context.config;
  const auto at = [&](const std::string& section, const std::string& key,
                      const std::string& message) {
    const auto found = context.origins.find(section + "." + key);
    const Origin origin = found != context.origins.end() ? found->second : Origin{};
    return fail(origin_label(origin, section, key) + ": " + message);
  };
  if (config.daemon.retry_max < config.daemon.retry_initial) {
    const bool max_set = context.origins.count("daemon.retry_max") != 0;
    return at("daemon", max_set ? "retry_max" : "retry_initial",
              "retry_max (" + format_duration(config.daemon.retry_max) +
                  ") must not be shorter than retry_initial (" +
                  format_duration(config.daemon.retry_initial) + ")");
  }
  if (config.database.lock_url &&
      config.database.lock_url->dialect != config.database.url.dialect) {
    return at("database", "lock_url",
              "is a " + std::string(core::to_string(config.database.lock_url->dialect)) +
                  " URL but the database is " +
                  std::string(core::to_string(config.database.url.dialect)) +
                  "; it must reach the same server");
  }
  if (config.database.ledger_table == config.database.version_table) {
    return at(
        "database",
        context.origins.count("database.ledger_table") != 0 ? "ledger_table" : "version_table",
        "version_table and ledger_table must be different tables");
  }
  // An alias whose new id is itself renamed would need two hops; demand the final id.
  std::vector<std::pair<int, std::string>> by_line;
  for (const auto& [old_id, origin] : context.alias_origins)
    by_line.emplace_back(origin.line, old_id);
  std::sort(by_line.begin(), by_line.end());
  for (const auto& [line, old_id] : by_line) {
    const std::string& target = config.aliases.renamed.at(old_id);
    const auto chained = config.aliases.renamed.find(target);
    if (chained != config.aliases.renamed.end()) {
      return fail(origin_label(context.alias_origins.at(old_id), "aliases", old_id) + ": new id " +
                  quoted(target) + " is itself aliased (to " + quoted(chained->second) + "); map " +
                  quoted(old_id) + " straight to the final id");
    }
  }
  return {};
}

}  // namespace

std::vector<std::string_view> known_sections() {
  return {"database", "migrations", "apply",  "daemon",  "control",
          "metrics",  "log",        "runner", "aliases", "baseline"};
}

std::vector<std::string> known_keys() {
  std::vector<std::string> keys;
  for (const KeySpec& spec : key_table())
    keys.push_back(std::string(spec.section) + "." + std::string(spec.key));
  return keys;
}

std::string origin_label(const Origin& origin, std::string_view section, std::string_view key) {
  switch (origin.kind) {
    case SourceKind::environment:
      return "environment " + origin.name;
    case SourceKind::flag:
      return "flag " + origin.name;
    case SourceKind::file:
      break;
  }
  std::string label =
      "config " + (origin.name.empty() ? std::string("(built-in defaults)") : origin.name);
  if (origin.line > 0) label += ":" + std::to_string(origin.line);
  label += ": ";
  if (!section.empty()) label += "[" + std::string(section) + "]" + (key.empty() ? "" : " ");
  label += key;
  return label;
}

core::Result<Config> build_config(const std::vector<Setting>& settings,
                                  const FileReader& read_file) {
  KeyContext context{Config{}, read_file, {}, {}, {}, std::nullopt};
  for (const Setting& setting : settings) {
    context.nested_error.reset();
    if (auto applied = apply_one(setting, context); !applied) {
      Origin origin = setting.origin;
      std::string key = setting.key;
      if (context.nested_error && origin.kind == SourceKind::file) {
        key = context.nested_error->first;
        origin.line = context.nested_error->second;
      }
      return fail(origin_label(origin, setting.section, key) + ": " + applied.error().message);
    }
  }
  if (auto whole = check_whole(context); !whole) return whole.error();
  return std::move(context.config);
}

}  // namespace magent::config
