#include "agent/db/runner.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "agent/platform/child_process.hpp"

namespace magent::db {
namespace {

constexpr std::string_view k_placeholder = "{target}";

// The command for `direction`; "" when none is configured.
const std::string& command_for(const config::RunnerConfig& config, core::Direction direction) {
  return direction == core::Direction::upgrade ? config.command : config.downgrade_command;
}

// DATABASE_URL for the child: the agent's own variable when it names the same database
// (kept byte for byte), otherwise the configured URL rebuilt.
std::string database_url_for_child(const core::DatabaseUrl& url) {
  if (const char* inherited = std::getenv("DATABASE_URL"); inherited != nullptr) {
    auto parsed = core::parse_database_url(inherited);
    if (parsed && *parsed == url) return inherited;
  }
  return sqlalchemy_url(url);
}

}  // namespace

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string expand_command(std::string_view command, std::string_view target) {
  std::string out;
  std::size_t start = 0;
  for (auto at = command.find(k_placeholder); at != std::string_view::npos;
       at = command.find(k_placeholder, start)) {
    out.append(command.substr(start, at - start));
    out += shell_quote(target);
    start = at + k_placeholder.size();
  }
  out.append(command.substr(start));
  return out;
}

std::string sqlalchemy_url(const core::DatabaseUrl& url) {
  std::string out = url.scheme + "://";
  if (url.dialect == core::Dialect::sqlite) {
    if (!url.database.empty()) out += "/" + url.database;
  } else {
    if (!url.user.empty() || !url.password.empty()) {
      out += core::percent_encode(url.user);
      if (!url.password.empty()) out += ":" + core::percent_encode(url.password);
      out += '@';
    }
    out += url.host.find(':') != std::string::npos ? "[" + url.host + "]"
                                                   : core::percent_encode(url.host);
    if (url.port != 0) out += ":" + std::to_string(url.port);
    out += "/" + core::percent_encode(url.database);
  }
  char separator = '?';
  for (const auto& [name, value] : url.query) {
    out += separator;
    out += core::percent_encode(name) + "=" + core::percent_encode(value, "/:,@");
    separator = '&';
  }
  return out;
}

CommandStepRunner::CommandStepRunner(config::RunnerConfig config, core::DatabaseUrl database)
    : m_config(std::move(config)), m_database(std::move(database)) {}

bool CommandStepRunner::has_command(core::Direction direction) const {
  return !command_for(m_config, direction).empty();
}

bool CommandStepRunner::takes_target() const {
  return m_config.command.find(k_placeholder) != std::string::npos;
}

core::Result<RunnerOutcome> CommandStepRunner::run(const std::string& target,
                                                   core::Direction direction) {
  const std::string& command = command_for(m_config, direction);
  if (command.empty()) {
    return core::make_error(
        core::ErrorKind::usage,
        direction == core::Direction::upgrade
            ? "no [runner] command is configured to apply Alembic .py revisions"
            : "no [runner] downgrade_command is configured to downgrade Alembic .py revisions");
  }
  platform::ChildCommand child;
  child.argv = {"/bin/sh", "-c", expand_command(command, target)};
  child.env["DATABASE_URL"] = database_url_for_child(m_database);
  for (const auto& [name, value] : m_config.env) child.env[name] = value;
  child.working_dir = m_config.working_dir;
  child.timeout = m_config.timeout;
  const core::DatabaseUrl& url = m_database;
  child.on_line = [&url](std::string_view line) {
    spdlog::info("runner output: {}", core::redact_secrets(line, url));
  };
  spdlog::info("runner: {} to {} (timeout {} s)", core::to_string(direction), target,
               m_config.timeout.count() / 1000);
  auto ran = platform::run_child(child);
  if (!ran) {
    return core::make_error(core::ErrorKind::step_failed,
                            "the runner could not be started: " + ran.error().message);
  }
  RunnerOutcome outcome;
  outcome.succeeded = ran->succeeded();
  outcome.failure = ran->succeeded() ? "" : "the runner " + ran->describe();
  outcome.output_tail = core::redact_secrets(ran->output_tail, url);
  // Info, not a warning: the caller reports a failure, with this output, as the step's error.
  spdlog::info("runner: {} in {} ms", ran->succeeded() ? "finished" : ran->describe(),
               ran->duration.count());
  return outcome;
}

}  // namespace magent::db
