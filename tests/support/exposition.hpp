#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magent::test {

// The value of one series in a Prometheus text exposition, e.g.
// sample_value(text, "migration_agent_drift{kind=\"behind\"}"); nullopt when absent.
std::optional<double> sample_value(std::string_view exposition, std::string_view series);

// Every sample line (not comments) whose metric name is exactly `name`.
std::vector<std::string> sample_lines(std::string_view exposition, std::string_view name);

// Path of promtool, or "" when it is not installed.
std::string promtool_path();

}  // namespace magent::test
