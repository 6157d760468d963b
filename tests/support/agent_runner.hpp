#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/engines.hpp"
#include "tests/support/process.hpp"

namespace magent::test {

// The environment variables migration-agent reads (DESIGN.md section 10); every run made
// through this file unsets them, so the caller's shell cannot change a test's outcome.
const std::vector<std::string>& agent_environment_variables();

// Options for running the agent: no inherited agent variables, `cwd` as working directory.
ProcessOptions agent_options(const std::filesystem::path& cwd);

// Runs the built migration-agent with exactly `args` (no flags added), in `cwd`.
ProcessResult run_agent(const std::vector<std::string>& args, const std::filesystem::path& cwd);

// Runs the built migration-agent against one database and one migrations directory:
// every run gets --database-url and --migrations-dir (and --config when set) in front of
// its arguments, and runs in `work_dir`.
class AgentRunner {
 public:
  AgentRunner(std::string database_url, std::filesystem::path migrations_dir,
              std::filesystem::path work_dir);

  // Adds `--config FILE` to every later run.
  void set_config(std::filesystem::path file) { m_config = std::move(file); }
  const std::string& database_url() const { return m_url; }

  // The full command line for `args` (for BackgroundProcess).
  std::vector<std::string> argv(const std::vector<std::string>& args) const;
  ProcessOptions options() const { return agent_options(m_work_dir); }

  // Runs the agent and waits for it.
  ProcessResult run(const std::vector<std::string>& args) const;
  // Runs `--json args`; the test fails unless the exit code is `expected_exit` and stdout
  // is one JSON document. Returns the document (null on failure).
  nlohmann::json run_json(const std::vector<std::string>& args, int expected_exit = 0) const;

 private:
  std::string m_url;
  std::filesystem::path m_migrations_dir;
  std::filesystem::path m_work_dir;
  std::filesystem::path m_config;
};

// Parses stdout as JSON; the test fails (and null is returned) when it is not.
nlohmann::json parse_json_output(const ProcessResult& result);

// A readable dump of a finished run for assertion messages.
std::string describe(const ProcessResult& result);

}  // namespace magent::test
