// What an operator sees of a running daemon on each engine: migrationctl over the real
// control socket (status matches the database, a manual upgrade streams its steps, pause
// and resume, authorization by peer uid, hostile clients), and the metrics and /readyz
// that follow the database (pending count, schema and checksum drift).
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <future>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/integration/daemon/daemon_fixture.hpp"
#include "tests/support/database_state.hpp"

namespace magent::test {
namespace {

using nlohmann::json;

constexpr const char* k_nobody = "65534";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A raw client of the control socket, for what migrationctl would never send.
class RawClient {
 public:
  explicit RawClient(const std::filesystem::path& socket) {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket.c_str());
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  ~RawClient() {
    if (m_fd >= 0) ::close(m_fd);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return m_fd >= 0; }
  bool send(std::string_view bytes) const {
    return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // The next line the daemon sends, or nullopt when it closed or said nothing in time.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = k_soon) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = m_buffer.find('\n'); nl != std::string::npos) {
        std::string line = m_buffer.substr(0, nl);
        m_buffer.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[4096];
      const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      m_buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // The next line as JSON (a parse failure fails the test and yields null).
  json read_reply() {
    const auto line = read_line();
    if (!line) {
      ADD_FAILURE() << "no reply";
      return nullptr;
    }
    return json::parse(*line, nullptr, false);
  }

 private:
  int m_fd = -1;
  std::string m_buffer;
};

class DaemonOperatorView : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    if (IsSkipped()) return;
    // A directory others may enter, so that uid 65534 can reach the socket at all: the
    // file mode is defence in depth, not the authorization under test.
    const auto dir = m_temp.path() / "run";
    std::filesystem::create_directories(dir);
    ::chmod(m_temp.path().c_str(), 0755);
    ::chmod(dir.c_str(), 0755);
    m_socket = dir / "control.sock";
  }

  DaemonSettings settings_with_socket(bool auto_migrate) const {
    DaemonSettings s = settings();
    s.auto_migrate = auto_migrate;
    s.control_socket = m_socket;
    s.control_toml = "max_connections = 256\n";
    return s;
  }

  ProcessResult ctl(std::vector<std::string> args) const {
    std::vector<std::string> argv = {ctl_binary(), "--socket", m_socket.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {.timeout = k_soon * 3});
  }
  ProcessResult ctl_as_nobody(std::vector<std::string> args) const {
    ::chmod(m_socket.c_str(), 0666);
    std::vector<std::string> argv = {"/usr/bin/setpriv",
                                     std::string("--reuid=") + k_nobody,
                                     std::string("--regid=") + k_nobody,
                                     "--clear-groups",
                                     ctl_binary(),
                                     "--socket",
                                     m_socket.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {.timeout = k_soon});
  }
  json status() const {
    const ProcessResult r = ctl({"--json", "status"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  std::filesystem::path m_socket;
};

TEST_P(DaemonOperatorView, ManualUpgradeStreamsStepsAndStatusMetricsAndReadyzFollow) {
  add_table_revision("r1", "none");
  add_table_revision("r2", "r1");
  DaemonUnderTest daemon(m_temp.path(), settings_with_socket(false));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_log("first check done", k_soon)) << daemon.describe();

  json before = status();
  EXPECT_EQ(before["revisions"], json::array());
  EXPECT_EQ(before["pending"], json::array({"r1", "r2"}));
  EXPECT_EQ(before["auto_migrate"], false);
  EXPECT_EQ(daemon.metric("migration_agent_pending_revisions"), 2);
  EXPECT_EQ(daemon.get("/readyz").status, 503);

  // Refused to a uid that is not allowed, answered for reading.
  const ProcessResult refused = ctl_as_nobody({"upgrade"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_TRUE(contains(refused.err, "(forbidden)")) << refused.err;
  EXPECT_EQ(ctl_as_nobody({"status"}).exit_code, 0);
  EXPECT_FALSE(has_table(db(), "t_r1"));

  const ProcessResult up = ctl({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << up.err << daemon.describe();
  const auto lines = lines_of(up.out);
  ASSERT_EQ(lines.size(), 5U) << up.out;
  EXPECT_EQ(lines[0], "upgrade r1 started") << up.out;
  EXPECT_TRUE(lines[1].starts_with("upgrade r1 applied (")) << up.out;
  EXPECT_EQ(lines[2], "upgrade r2 started") << up.out;
  EXPECT_TRUE(lines[3].starts_with("upgrade r2 applied (")) << up.out;
  EXPECT_EQ(lines[4], "upgrade to heads: 2 step(s) done; now at r2") << up.out;

  // The database, status, metrics and /readyz all say r2.
  EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r2"});
  EXPECT_TRUE(has_table(db(), "t_r2"));
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_pending_revisions", 0, k_soon));
  EXPECT_TRUE(daemon.wait_for_metric_value(
      R"(migration_agent_database_revision_info{revision="r2"})", 1, k_soon));
  json after = status();
  EXPECT_EQ(after["revisions"], json::array({"r2"}));
  EXPECT_EQ(after["pending"], json::array());
  EXPECT_TRUE(eventually([&] { return daemon.get("/readyz").status == 200; }, k_soon, 50ms));

  // The manual run is in the ledger, with the operator's uid (root here).
  const auto rows = ledger_rows(db());
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back().revision, "r2");
  EXPECT_EQ(rows.back().outcome, "succeeded");
  EXPECT_EQ(rows.back().trigger, "manual");
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

TEST_P(DaemonOperatorView, PauseStopsAutomaticApplicationUntilResume) {
  add_table_revision("r1", "none");
  DaemonUnderTest daemon(m_temp.path(), settings_with_socket(true));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(wait_for_versions({"r1"})) << daemon.describe();

  const ProcessResult paused = ctl({"pause"});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  EXPECT_EQ(status()["paused"], true);
  add_table_revision("r2", "r1");
  EXPECT_TRUE(daemon.wait_for_metric_value("migration_agent_pending_revisions", 1, k_soon))
      << daemon.describe();
  EXPECT_TRUE(wait_for_more_checks(daemon, 1)) << daemon.describe();
  EXPECT_EQ(version_rows(db()), std::vector<std::string>{"r1"});
  EXPECT_FALSE(has_table(db(), "t_r2"));

  ASSERT_EQ(ctl({"resume"}).exit_code, 0);
  EXPECT_TRUE(wait_for_versions({"r2"})) << daemon.describe();
  EXPECT_EQ(status()["paused"], false);
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

TEST_P(DaemonOperatorView, HostileClientsNeitherStallNorStopTheDaemon) {
  add_table_revision("r1", "none");
  DaemonUnderTest daemon(m_temp.path(), settings_with_socket(true));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(wait_for_versions({"r1"})) << daemon.describe();
  // The daemon's picture catches up with the database once its run has finished.
  ASSERT_TRUE(
      eventually([&] { return status()["revisions"] == json::array({"r1"}); }, k_soon, 50ms));

  // Held open half-sent for the whole test: nobody else waits for it.
  RawClient half(m_socket);
  ASSERT_TRUE(half.connected());
  ASSERT_TRUE(half.send(R"({"cmd": "sta)"));

  RawClient garbage(m_socket);
  ASSERT_TRUE(garbage.send("this is not json\n"));
  json reply = garbage.read_reply();
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["code"], "bad_request") << reply.dump();
  ASSERT_TRUE(garbage.send("{\"cmd\": \"status\", \"x\": \"\xff\xfe\"}\n"));
  reply = garbage.read_reply();
  EXPECT_EQ(reply["ok"], false) << reply.dump();
  // The same connection still answers a good request.
  ASSERT_TRUE(garbage.send("{\"cmd\": \"status\"}\n"));
  EXPECT_EQ(garbage.read_reply()["revisions"], json::array({"r1"}));

  RawClient huge(m_socket);
  huge.send(std::string(70 * 1024, 'x'));
  reply = huge.read_reply();
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["code"], "too_large") << reply.dump();

  // 200 clients at once, each answered.
  std::vector<std::future<bool>> clients;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      RawClient c(m_socket);
      if (!c.connected() || !c.send("{\"cmd\": \"status\"}\n")) return false;
      const auto line = c.read_line();
      return line && json::parse(*line, nullptr, false).value("ok", false);
    }));
  }
  int answered = 0;
  for (auto& c : clients) answered += c.get() ? 1 : 0;
  EXPECT_EQ(answered, 200);

  // Still running, still applying, still answering.
  add_table_revision("r2", "r1");
  EXPECT_TRUE(wait_for_versions({"r2"})) << daemon.describe();
  EXPECT_TRUE(
      eventually([&] { return status()["revisions"] == json::array({"r2"}); }, k_soon, 50ms));
  EXPECT_TRUE(daemon.running());
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

TEST_P(DaemonOperatorView, HandMadeDdlAndAnEditedAppliedFileRaiseDrift) {
  add_table_revision("r1", "none");
  DaemonUnderTest daemon(m_temp.path(), settings_with_socket(true));
  ASSERT_TRUE(daemon.started()) << daemon.describe();
  ASSERT_TRUE(wait_for_versions({"r1"})) << daemon.describe();
  ASSERT_TRUE(daemon.wait_for_metric_value("migration_agent_ready", 1, k_soon))
      << daemon.describe();
  EXPECT_EQ(daemon.metric(R"(migration_agent_drift{kind="schema"})"), 0);
  EXPECT_EQ(daemon.metric(R"(migration_agent_drift{kind="checksum"})"), 0);

  db().sql("ALTER TABLE t_r1 ADD COLUMN hand_made INTEGER;");
  EXPECT_TRUE(daemon.wait_for_metric_value(R"(migration_agent_drift{kind="schema"})", 1, k_soon))
      << daemon.describe();
  const ProcessResult check = ctl({"check"});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_TRUE(contains(check.out, "hand_made")) << check.out;

  // The applied file edited in place: checksum drift names it.
  write_atomically(m_migrations / "r1.sql",
                   revision_text(create_table_revision("r1", "none", "t_r1")) + "-- edited\n");
  EXPECT_TRUE(daemon.wait_for_metric_value(R"(migration_agent_drift{kind="checksum"})", 1, k_soon))
      << daemon.describe();
  EXPECT_TRUE(contains(ctl({"check"}).out, "r1")) << daemon.describe();
  EXPECT_TRUE(daemon.running());
  EXPECT_EQ(daemon.stop().exit_code, 0) << daemon.describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, DaemonOperatorView, ::testing::ValuesIn(all_engines()),
                         engine_param_name);

}  // namespace
}  // namespace magent::test
