#pragma once

#include <string>

#include "agent/config/config.hpp"

namespace magent::config {

// The effective configuration as TOML, every key shown, for --help and debugging.
// Passwords are redacted (database URLs, lock URL, and URLs inside runner settings).
std::string describe(const Config& config);

}  // namespace magent::config
