#pragma once

// Shared pieces of the daemon tests: `migration-agent run` (the real binary) against a fresh
// database on each engine, a migrations directory, and the waits the scenarios need.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/daemon_under_test.hpp"
#include "tests/support/database_probe.hpp"
#include "tests/support/engines.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/migration_writer.hpp"
#include "tests/support/temp_dir.hpp"

namespace magent::test {

using namespace std::chrono_literals;

// Upper bound for anything the daemon should do "at once" (a poll or a debounce away):
// only a broken or badly overloaded run waits this long.
inline constexpr std::chrono::milliseconds k_soon = 20s;

// A fresh database of the test's engine and an empty migrations directory.
class DaemonTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    m_migrations = m_temp.path() / "migrations";
    std::filesystem::create_directories(m_migrations);
    m_db = make_test_database(GetParam(), m_temp);
    if (!m_db) GTEST_SKIP() << engine_name(GetParam()) << " server not configured";
  }

  // Settings for a daemon on this test's database and directory (short intervals).
  DaemonSettings settings() const {
    DaemonSettings s;
    s.database_url = m_db->url();
    s.migrations_dir = m_migrations;
    return s;
  }

  // Writes a revision into the migrations directory as `<file>.sql` (atomically).
  void add(const RevisionSpec& spec, const std::string& file) const {
    write_atomically(m_migrations / (file + ".sql"), revision_text(spec));
  }
  // Writes r_<id> creating table t_<id> on top of `down`.
  void add_table_revision(const std::string& id, const std::string& down) const {
    add(create_table_revision(id, down, "t_" + id), id);
  }

  // True once the database's alembic_version holds exactly `rows`.
  bool wait_for_versions(const std::vector<std::string>& rows,
                         std::chrono::milliseconds timeout = k_soon) const {
    return eventually([&] { return version_rows(*m_db) == rows; }, timeout, 50ms);
  }

  const TestDatabase& db() const { return *m_db; }

  TempDir m_temp;
  std::filesystem::path m_migrations;
  std::unique_ptr<TestDatabase> m_db;
};

// Waits until the daemon has finished checks for at least `seconds` more wall-clock seconds
// (migration_agent_last_check_timestamp_seconds advances by that much): with a 200 ms poll
// interval that is several complete checks, each of which would have acted.
inline bool wait_for_more_checks(const DaemonUnderTest& daemon, double seconds) {
  const auto now = daemon.metric("migration_agent_last_check_timestamp_seconds");
  if (!now) return false;
  return daemon.wait_for_metric(
      "migration_agent_last_check_timestamp_seconds", [&](double v) { return v >= *now + seconds; },
      k_soon);
}

}  // namespace magent::test
