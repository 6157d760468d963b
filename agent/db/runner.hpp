#pragma once

#include <string>
#include <string_view>

#include "agent/config/config.hpp"
#include "agent/core/database_url.hpp"
#include "agent/db/migrator.hpp"

namespace magent::db {

// The [runner]: applies .py revisions by running the application's own Alembic command
// (`flask --app now_lms db upgrade {target}`, `python3 -m alembic upgrade {target}`) under
// `/bin/sh -c`, with `{target}` replaced by the revision quoted as one shell word. The
// child runs in `working_dir` with the agent's environment plus DATABASE_URL (the agent's
// database, unless [runner.env] sets it) plus [runner.env]; its output goes to the log line
// by line (passwords masked) and its last ~2 KB are kept for the ledger.
class CommandStepRunner final : public StepRunner {
 public:
  CommandStepRunner(config::RunnerConfig config, core::DatabaseUrl database);

  core::Result<RunnerOutcome> run(const std::string& target, core::Direction direction) override;
  bool has_command(core::Direction direction) const override;
  bool takes_target() const override;

 private:
  config::RunnerConfig m_config;
  core::DatabaseUrl m_database;
};

// `text` as one /bin/sh word: single-quoted, embedded quotes as '\''.
std::string shell_quote(std::string_view text);

// `command` with every `{target}` replaced by shell_quote(target).
std::string expand_command(std::string_view command, std::string_view target);

// The URL as SQLAlchemy reads it (scheme as configured, credentials percent-encoded), for
// the runner's DATABASE_URL. Contains the password: never log it.
std::string sqlalchemy_url(const core::DatabaseUrl& url);

}  // namespace magent::db
