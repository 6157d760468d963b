#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/config/source.hpp"
#include "agent/config/values.hpp"
#include "agent/core/result.hpp"

// The table of known configuration keys and how each one is validated and applied.
// Internal to agent/config: build_config() is the entry point.
namespace magent::config {

// Where the URL came from, to reject url + url_file set in the same layer.
struct UrlSource {
  Origin origin;
  std::string key;
};

// State shared by the key handlers while settings are applied in order.
struct KeyContext {
  Config config;
  const FileReader& read_file;
  std::map<std::string, Origin> origins;        // "section.key" -> origin of its value
  std::map<std::string, Origin> alias_origins;  // old id -> origin
  std::vector<UrlSource> url_sources;
  // A handler may point its error at a nested entry (key, line) instead of the setting.
  std::optional<std::pair<std::string, int>> nested_error;
};

// Validates one setting and stores it in context.config; an error carries only the
// complaint ("expected ..., got ..."), the caller adds where it came from.
using KeyHandler = core::Result<void> (*)(const Setting&, KeyContext&);

// Gives access to one duration field of a Config.
using DurationField = std::chrono::milliseconds& (*)(Config&);

// One known key: either a handler, or a duration field with its rule for zero.
struct KeySpec {
  std::string_view section;
  std::string_view key;
  KeyHandler apply = nullptr;
  DurationField duration = nullptr;
  ZeroIs zero = ZeroIs::rejected;
};

// Every known key, in the order of config/migration-agent.toml.
const std::vector<KeySpec>& key_table();

// Validates and stores `setting` as the key `spec` describes.
core::Result<void> apply_key(const KeySpec& spec, const Setting& setting, KeyContext& context);

// Applies one [aliases] entry (any key except auto_stamp): "old id" = "new id".
core::Result<void> apply_alias(const Setting& setting, KeyContext& context);

}  // namespace magent::config
