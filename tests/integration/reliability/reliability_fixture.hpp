#pragma once

// Shared pieces of the fault-injection tests: daemon settings with a control socket, and
// the drift kinds of `check`.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_under_test.hpp"
#include "tests/support/eventually.hpp"

namespace magent::test {

using namespace std::chrono_literals;

// Upper bound for what the daemon should do within a few polls or retries.
inline constexpr std::chrono::milliseconds k_fault_wait = 30s;

// `migration-agent run` settings on `database_url` and `migrations` (AUTO_MIGRATE on, 200 ms
// polls, retries after 200 ms..1 s), with its control socket in `dir`.
inline DaemonSettings fault_daemon_settings(const std::filesystem::path& dir,
                                            const std::string& database_url,
                                            const std::filesystem::path& migrations) {
  DaemonSettings s;
  s.database_url = database_url;
  s.migrations_dir = migrations;
  s.shutdown_grace = "5s";
  s.control_socket = dir / "control.sock";
  return s;
}

// The kinds of drift in a `check --json` document, in order.
inline std::vector<std::string> drift_kinds_of(const nlohmann::json& check) {
  std::vector<std::string> kinds;
  if (!check.is_object() || !check["drift"].is_array()) return kinds;
  for (const auto& d : check["drift"]) kinds.push_back(d.value("kind", "?"));
  return kinds;
}

inline bool has_item(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace magent::test
