#pragma once

#include <string_view>
#include <vector>

#include "agent/config/source.hpp"
#include "agent/core/result.hpp"

namespace magent::config {

// Parses a TOML document (toml++) into settings in file order: a header Setting (empty
// key) per top-level table followed by its entries; `path` names the file in errors.
// Syntax errors are one line: "config PATH:LINE: <what toml++ found>".
core::Result<std::vector<Setting>> parse_toml_settings(std::string_view text,
                                                       std::string_view path);

}  // namespace magent::config
