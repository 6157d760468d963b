#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config.hpp"
#include "agent/config/source.hpp"
#include "agent/core/result.hpp"

namespace magent::config {

// Every known key as "section.key", in the order of the documented default file.
std::vector<std::string> known_keys();

// The known section names, in the order of the documented default file.
std::vector<std::string_view> known_sections();

// Applies settings in order over the built-in defaults (later settings win), validating
// every value and then the whole. The first problem is returned as one line that starts
// with origin_label(). url_file / DATABASE_URL_FILE secrets are read with `read_file`.
core::Result<Config> build_config(const std::vector<Setting>& settings,
                                  const FileReader& read_file);

// How an error names its source: "config PATH:LINE: [section] key", "environment NAME"
// or "flag --name".
std::string origin_label(const Origin& origin, std::string_view section, std::string_view key);

}  // namespace magent::config
