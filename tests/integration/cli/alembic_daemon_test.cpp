// `migration-agent run` with AUTO_MIGRATE on applies NOW LMS-shaped Alembic .py revisions
// through the [runner] (real Alembic), baselines a create_all() database and stamps a
// renamed id by itself, on SQLite, PostgreSQL and MariaDB. Where the machine allows
// (`unshare --pid`), the daemon runs as PID 1 of its own PID namespace, as in a container,
// and the runner leaves orphans behind that the agent must reap.
#include <dirent.h>
#include <algorithm>
#include <csignal>

#include <gtest/gtest.h>

#include "tests/support/now_lms_fixture.hpp"

namespace magent::test {
namespace {

using namespace std::chrono_literals;
using Ids = std::vector<std::string>;

constexpr const char* k_head = "20260125_120000";

bool unshare_works() {
  static const bool works = [] {
    ProcessResult r = run_process({"/usr/bin/unshare", "--pid", "--fork", "--kill-child", "true"});
    return r.exit_code == 0;
  }();
  return works;
}

// (pid, state) of each process whose parent is `parent`.
std::vector<std::pair<int, char>> children_of(int parent) {
  std::vector<std::pair<int, char>> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = readdir(proc)) {
    const std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_file("/proc/" + name + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 > stat.size()) continue;
    char state = stat[close + 2];
    int ppid = std::atoi(stat.c_str() + close + 4);
    if (ppid == parent) out.emplace_back(std::stoi(name), state);
  }
  closedir(proc);
  return out;
}

class CliAlembicDaemon : public AlembicRunnerTest {
 protected:
  // Starts the daemon (as PID 1 when possible) with AUTO_MIGRATE on.
  void start_daemon() {
    std::vector<std::string> argv;
    if (unshare_works()) argv = {"/usr/bin/unshare", "--pid", "--fork", "--kill-child=SIGTERM"};
    for (const auto& a : agent().argv({"run", "--auto-migrate", "1"})) argv.push_back(a);
    m_daemon.emplace(argv, agent().options());
  }
  // Waits until alembic_version holds `rows` and the run that got it there is recorded.
  bool wait_for_rows(const TestDatabase& db, const Ids& rows, std::chrono::seconds limit = 90s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (version_rows(db) == rows) {
        const auto ledger = ledger_rows(db);
        if (std::none_of(ledger.begin(), ledger.end(),
                         [](const LedgerRow& r) { return r.outcome == "started"; })) {
          return true;
        }
      }
      if (!m_daemon->running()) return false;
      std::this_thread::sleep_for(300ms);
    }
    return false;
  }
  // The agent's own pid: the daemon, or unshare's only child (PID 1 of its namespace).
  int agent_pid() {
    if (!unshare_works()) return m_daemon->pid();
    const auto children = children_of(m_daemon->pid());
    return children.size() == 1 ? children.front().first : -1;
  }
  // SIGTERM to the agent itself (unshare blocks SIGTERM while it waits for its child).
  void stop_daemon() {
    const int pid = agent_pid();
    ASSERT_GT(pid, 0);
    kill(pid, SIGTERM);
    ProcessResult r = m_daemon->wait(30s);
    EXPECT_FALSE(r.timed_out) << r.err;
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "stopped")) << r.err;
  }
  static std::string daemon_config() {
    return "[daemon]\npoll_interval = \"500ms\"\nrescan_interval = \"1s\"\n\n[control]\n"
           "socket = \"\"\n\n[metrics]\nlisten = \"\"\n\n";
  }

  std::optional<BackgroundProcess> m_daemon;
};

TEST_P(CliAlembicDaemon, AppliesPyRevisionsThroughAlembicAndReapsOrphansAsPidOne) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  // The runner leaves two short-lived orphans behind, re-parented to the agent (PID 1).
  write_config(daemon_config(), "(sleep 3 >/dev/null 2>&1 &) ; (sleep 3 >/dev/null 2>&1 &) ; ");
  start_daemon();
  ASSERT_TRUE(wait_for_rows(*db, Ids{k_head})) << m_daemon->errors_so_far();
  EXPECT_EQ(alembic().current(), Ids{k_head});
  const auto rows = ledger_rows(*db);
  ASSERT_EQ(rows.size(), 4U) << m_daemon->errors_so_far();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].revision, now_lms_chain()[i]);
    EXPECT_EQ(rows[i].outcome, "succeeded");
    EXPECT_EQ(rows[i].trigger, "auto");
  }
  const std::string log = m_daemon->errors_so_far();
  EXPECT_TRUE(contains(log, "runner output: INFO  [alembic.runtime.migration] Running upgrade"))
      << log;
  if (unshare_works()) {
    std::this_thread::sleep_for(5s);  // the orphans exit; the agent's heartbeat reaps them
    const int agent = agent_pid();
    ASSERT_GT(agent, 0) << "unshare should have one child, the agent";
    const std::string status = read_file("/proc/" + std::to_string(agent) + "/status");
    const auto nspid = status.find("NSpid:");
    ASSERT_NE(nspid, std::string::npos);
    const std::string line = status.substr(nspid, status.find('\n', nspid) - nspid);
    EXPECT_TRUE(line.size() > 2 && line.substr(line.size() - 2) == "\t1") << line;  // PID 1 inside
    for (const auto& [pid, state] : children_of(agent)) {
      EXPECT_NE(state, 'Z') << "zombie " << pid << " left under the agent (PID 1)";
    }
  }
  EXPECT_TRUE(m_daemon->running());
  stop_daemon();
}

TEST_P(CliAlembicDaemon, BaselinesACreateAllDatabaseInsteadOfFailing) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  alembic().run({"upgrade", "heads"});
  db->sql("DROP TABLE alembic_version;");
  db->sql(
      "CREATE TABLE system_info (param VARCHAR(50));"
      "INSERT INTO usuario (id, usuario) VALUES ('u1', 'ana');");
  write_config(daemon_config() + "[baseline]\nwhen_table_exists = \"system_info\"\n");
  start_daemon();
  ASSERT_TRUE(wait_for_rows(*db, Ids{k_head})) << m_daemon->errors_so_far();
  EXPECT_EQ(ledger_summary(*db), Ids{std::string(k_head) + ":stamp:succeeded"});
  EXPECT_FALSE(std::filesystem::exists(probe_file()))
      << "the runner ran: " << read_file(probe_file());
  EXPECT_EQ(query_value(*db, "SELECT usuario FROM usuario WHERE id = 'u1'"), "ana");
  stop_daemon();
}

TEST_P(CliAlembicDaemon, StampsARenamedIdWithAutoStampAndContinues) {
  MAGENT_REQUIRE_DATABASE(db, GetParam(), m_temp);
  prepare(*db);
  alembic().run({"upgrade", "20260110_035505"});
  db->sql("UPDATE alembic_version SET version_num = 'blog_post_cover';");  // the old id
  write_config(daemon_config() +
               "[aliases]\nblog_post_cover = \"20260110_035505\"\nauto_stamp = true\n");
  start_daemon();
  ASSERT_TRUE(wait_for_rows(*db, Ids{k_head})) << m_daemon->errors_so_far();
  EXPECT_EQ(ledger_summary(*db),
            (Ids{"20260110_035505:stamp:succeeded", std::string(k_head) + ":upgrade:succeeded"}));
  EXPECT_EQ(alembic().current(), Ids{k_head});
  stop_daemon();
}

MAGENT_CLI_ALL_ENGINES(CliAlembicDaemon);

}  // namespace
}  // namespace magent::test
