#pragma once

// The base of the tests that run real Alembic as the agent's [runner]: a fresh database,
// an Alembic project whose versions/ holds the NOW LMS-shaped revisions of
// tests/data/now_lms_alembic (also the agent's migrations directory), and an agent whose
// config file points its runner at that project.

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/alembic_project.hpp"
#include "tests/support/cli_fixture.hpp"

namespace magent::test {

// The NOW LMS-shaped chain, base first; the last is the head.
inline const std::vector<std::string>& now_lms_chain() {
  static const std::vector<std::string> chain = {"1736000000", "20260101_000000", "20260110_035505",
                                                 "20260125_120000"};
  return chain;
}

class AlembicRunnerTest : public CliTest {
 protected:
  // Sets up the project and the agent on `db`; `extra_config` is appended to the TOML file.
  void prepare(const TestDatabase& db, const std::string& extra_config = "") {
    m_url = sqlalchemy_form(db.url());
    m_alembic.emplace(m_temp.path() / "app", m_url);
    m_alembic->copy_versions_from(std::filesystem::path(source_dir()) / "tests" / "data" /
                                  "now_lms_alembic");
    write_config(extra_config);
    m_agent.emplace(m_url, m_alembic->versions(), m_temp.path());
    m_agent->set_config(m_temp.path() / "agent.toml");
  }
  // (Re)writes the agent's config: [runner] running this project's Alembic, plus `extra`.
  void write_config(const std::string& extra = "", const std::string& runner_prefix = "",
                    const std::string& timeout = "120s") {
    std::ofstream(m_temp.path() / "agent.toml")
        << "[apply]\nlock_timeout = \"30s\"\n\n[runner]\ncommand = '" << runner_prefix
        << m_alembic->runner_command("upgrade") << "'\ndowngrade_command = '"
        << m_alembic->runner_command("downgrade") << "'\ntimeout = \"" << timeout
        << "\"\n\n[runner.env]\nMAGENT_RUNNER_PROBE = '" << probe_file().string()
        << "'\nMAGENT_RUNNER_EXTRA = \"x1\"\nPYTHONDONTWRITEBYTECODE = \"1\"\n\n"
        << extra;
  }
  std::filesystem::path probe_file() const { return m_temp.path() / "runner-probe.log"; }
  AgentRunner& agent() { return *m_agent; }
  AlembicProject& alembic() { return *m_alembic; }

  std::string m_url;
  std::optional<AlembicProject> m_alembic;
  std::optional<AgentRunner> m_agent;
};

// Ledger rows as "revision:direction:outcome", oldest first.
inline std::vector<std::string> ledger_summary(const TestDatabase& db) {
  std::vector<std::string> out;
  for (const LedgerRow& row : ledger_rows(db)) {
    out.push_back(row.revision + ":" + row.direction + ":" + row.outcome);
  }
  return out;
}

}  // namespace magent::test
