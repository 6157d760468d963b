#pragma once

#include <string>

#include "agent/config/config.hpp"

namespace magent::platform {

// Sends spdlog's default logger to stderr, one line per event, as plain text
// ("2026-11-23T12:00:00.123Z info applied 20260125_120000 ...") or as one JSON object per
// line ({"time": ..., "level": ..., "msg": ...}), at `level` (trace..error).
void setup_logging(config::LogFormat format, const std::string& level);

// Escapes text for a JSON string body (quotes, backslashes, control characters).
std::string json_escape(std::string_view text);

}  // namespace magent::platform
