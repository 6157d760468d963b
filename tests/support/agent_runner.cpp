#include "tests/support/agent_runner.hpp"

#include <gtest/gtest.h>

namespace magent::test {

const std::vector<std::string>& agent_environment_variables() {
  static const std::vector<std::string> names = {
      "DATABASE_URL",          "DATABASE_URL_FILE",         "MIGRATIONS_DIR",
      "AUTO_MIGRATE",          "NOW_LMS_AUTO_MIGRATE",      "MIGRATION_AGENT_CONFIG",
      "MIGRATION_AGENT_SOCKET", "MIGRATION_AGENT_METRICS_LISTEN", "MIGRATION_AGENT_LOG_FORMAT"};
  return names;
}

ProcessOptions agent_options(const std::filesystem::path& cwd) {
  ProcessOptions options;
  options.unset_env = agent_environment_variables();
  options.cwd = cwd.string();
  options.timeout = std::chrono::milliseconds(60'000);
  return options;
}

ProcessResult run_agent(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::vector<std::string> argv{agent_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, agent_options(cwd));
}

AgentRunner::AgentRunner(std::string database_url, std::filesystem::path migrations_dir,
                         std::filesystem::path work_dir)
    : m_url(std::move(database_url)),
      m_migrations_dir(std::move(migrations_dir)),
      m_work_dir(std::move(work_dir)) {}

std::vector<std::string> AgentRunner::argv(const std::vector<std::string>& args) const {
  std::vector<std::string> out{agent_binary(), "--database-url", m_url, "--migrations-dir",
                               m_migrations_dir.string()};
  if (!m_config.empty()) {
    out.push_back("--config");
    out.push_back(m_config.string());
  }
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

ProcessResult AgentRunner::run(const std::vector<std::string>& args) const {
  return run_process(argv(args), options());
}

nlohmann::json AgentRunner::run_json(const std::vector<std::string>& args,
                                     int expected_exit) const {
  std::vector<std::string> with_json{"--json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  ProcessResult r = run(with_json);
  EXPECT_EQ(r.exit_code, expected_exit) << describe(r);
  return parse_json_output(r);
}

nlohmann::json parse_json_output(const ProcessResult& result) {
  nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
  if (document.is_discarded()) {
    ADD_FAILURE() << "stdout is not JSON:\n" << describe(result);
    return nullptr;
  }
  return document;
}

std::string describe(const ProcessResult& result) {
  std::string text = "exit " + std::to_string(result.exit_code);
  if (result.signal != 0) text += " (signal " + std::to_string(result.signal) + ")";
  if (result.timed_out) text += " (timed out)";
  return text + "\n--- stdout\n" + result.out + "--- stderr\n" + result.err;
}

}  // namespace magent::test
