#pragma once

// The base of the command-line integration tests: one engine per instantiation, a
// temporary directory per test, and small expectations shared by the test files.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/agent_runner.hpp"
#include "tests/support/database_state.hpp"
#include "tests/support/engines.hpp"
#include "tests/support/migration_set.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::test {

class CliTest : public ::testing::TestWithParam<Engine> {
 protected:
  TempDir m_temp;
};

// The JSON array of strings `value` as a vector (sorted when asked), failing the test when
// it is not one.
inline std::vector<std::string> strings_of(const nlohmann::json& value, bool sorted = true) {
  std::vector<std::string> out;
  if (!value.is_array()) {
    ADD_FAILURE() << "not an array: " << value.dump();
    return out;
  }
  for (const auto& item : value) {
    if (!item.is_string()) {
      ADD_FAILURE() << "not a string: " << item.dump();
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  if (sorted) std::sort(out.begin(), out.end());
  return out;
}

// `current --json` rows, sorted.
inline std::vector<std::string> current_revisions(const AgentRunner& agent) {
  nlohmann::json doc = agent.run_json({"current"});
  return doc.is_object() ? strings_of(doc["revisions"]) : std::vector<std::string>{};
}

// stderr holds exactly one non-empty line.
inline ::testing::AssertionResult one_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  if (trimmed.empty()) return ::testing::AssertionFailure() << "stderr is empty";
  if (trimmed.find('\n') != std::string::npos) {
    return ::testing::AssertionFailure() << "more than one line:\n" << text;
  }
  return ::testing::AssertionSuccess();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace magent::test

// Instantiates a CLI test suite over SQLite, PostgreSQL and MariaDB.
#define MAGENT_CLI_ALL_ENGINES(suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(Engines, suite, ::testing::ValuesIn(::magent::test::all_engines()), \
                           ::magent::test::engine_param_name)
