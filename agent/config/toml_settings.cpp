#include "agent/config/toml_settings.hpp"

#include "agent/config/values.hpp"
#include "agent/core/utf8.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>
#include <string>

namespace magent::config {
namespace {

int line_of(const toml::source_region& region) {
  return static_cast<int>(region.begin.line);
}

std::string spelling(const toml::node& node) {
  std::ostringstream out;
  node.visit([&out](const auto& leaf) {
    if constexpr (toml::is_value<decltype(leaf)>) out << leaf;
  });
  return out.str();
}

Value convert(const toml::node& node) {
  Value value;
  value.line = line_of(node.source());
  switch (node.type()) {
    case toml::node_type::string:
      value.type = Value::Type::string;
      value.text = node.as_string()->get();
      break;
    case toml::node_type::integer:
      value.type = Value::Type::integer;
      value.integer = node.as_integer()->get();
      value.text = std::to_string(value.integer);
      break;
    case toml::node_type::floating_point:
      value.type = Value::Type::floating;
      value.text = spelling(node);
      break;
    case toml::node_type::boolean:
      value.type = Value::Type::boolean;
      value.boolean = node.as_boolean()->get();
      value.text = value.boolean ? "true" : "false";
      break;
    case toml::node_type::array:
      value.type = Value::Type::array;
      for (const toml::node& element : *node.as_array()) value.children.push_back(convert(element));
      break;
    case toml::node_type::table:
      value.type = Value::Type::table;
      for (const auto& [key, child] : *node.as_table()) {
        Value entry = convert(child);
        entry.key = std::string(key.str());
        entry.line = line_of(key.source());
        value.children.push_back(std::move(entry));
      }
      std::stable_sort(value.children.begin(), value.children.end(),
                       [](const Value& a, const Value& b) { return a.line < b.line; });
      break;
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
    case toml::node_type::none:
      value.type = Value::Type::date_time;
      value.text = spelling(node);
      break;
  }
  return value;
}

}  // namespace

core::Result<std::vector<Setting>> parse_toml_settings(std::string_view text,
                                                       std::string_view path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    // toml++ may quote a fragment of the line; never let credentials through.
    std::string description = mask_url_credentials(error.description());
    std::replace(description.begin(), description.end(), '\n', ' ');
    description = core::escape_control_characters(description);
    return core::make_error(core::ErrorKind::config, "config " + std::string(path) + ":" +
                                                         std::to_string(error.source().begin.line) +
                                                         ": invalid TOML: " + description);
  }
  std::vector<Setting> settings;
  for (const auto& [key, node] : root) {
    const Origin origin{SourceKind::file, std::string(path), line_of(key.source())};
    const std::string name(key.str());
    if (!node.is_table()) {
      settings.push_back(Setting{"", name, convert(node), origin});
      continue;
    }
    Value header = convert(node);
    for (Value& entry : header.children) {
      Origin entry_origin = origin;
      entry_origin.line = entry.line;
      std::string entry_key = entry.key;
      settings.push_back(
          Setting{name, std::move(entry_key), std::move(entry), std::move(entry_origin)});
    }
    header.children.clear();
    settings.push_back(Setting{name, "", std::move(header), origin});
  }
  // toml++ keeps keys sorted by name; report in file order, each header before its keys.
  std::stable_sort(settings.begin(), settings.end(), [](const Setting& a, const Setting& b) {
    if (a.origin.line != b.origin.line) return a.origin.line < b.origin.line;
    return a.key.empty() && !b.key.empty();
  });
  return settings;
}

}  // namespace magent::config
