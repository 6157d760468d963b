// Type=notify: the daemon tells the service manager READY=1 (after its first check, with a
// STATUS= line naming the revision), pets the watchdog every WATCHDOG_USEC / 2, and says
// STOPPING=1 on SIGTERM. The test plays systemd: it binds the NOTIFY_SOCKET datagram socket.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/integration/daemon/daemon_fixture.hpp"

namespace magent::test {
namespace {

using Clock = std::chrono::steady_clock;

// A bound AF_UNIX datagram socket that records every message with its arrival time.
class NotifySocket {
 public:
  struct Message {
    Clock::time_point at;
    std::string text;
  };

  explicit NotifySocket(const std::filesystem::path& path) : m_path(path) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string text = path.string();
    if (m_fd < 0 || text.size() >= sizeof address.sun_path) return;
    std::copy(text.begin(), text.end(), address.sun_path);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return;
    m_bound = true;
    m_reader = std::thread([this] { read_loop(); });
  }
  ~NotifySocket() {
    m_stop = true;
    if (m_reader.joinable()) m_reader.join();
    if (m_fd >= 0) ::close(m_fd);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return m_bound; }
  std::vector<Message> messages() const {
    std::lock_guard lock(m_mutex);
    return m_messages;
  }
  // The first message containing `text`, if any arrived.
  std::optional<Message> first_with(std::string_view text) const {
    for (const auto& m : messages()) {
      if (m.text.find(text) != std::string::npos) return m;
    }
    return std::nullopt;
  }
  std::vector<Clock::time_point> arrivals_of(std::string_view text) const {
    std::vector<Clock::time_point> out;
    for (const auto& m : messages()) {
      if (m.text.find(text) != std::string::npos) out.push_back(m.at);
    }
    return out;
  }

 private:
  void read_loop() {
    char buffer[4096];
    while (!m_stop) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      const ssize_t got = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (got <= 0) continue;
      std::lock_guard lock(m_mutex);
      m_messages.push_back({Clock::now(), std::string(buffer, static_cast<std::size_t>(got))});
    }
  }

  std::filesystem::path m_path;
  int m_fd = -1;
  bool m_bound = false;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<Message> m_messages;
  std::thread m_reader;
};

std::string messages_text(const NotifySocket& socket) {
  std::string out;
  for (const auto& m : socket.messages()) out += "[" + m.text + "] ";
  return out;
}

// sd_notify is about the process, not the database: SQLite is enough.
TEST(DaemonSystemdNotify, ReadyAfterFirstCheckWatchdogEveryHalfIntervalStoppingOnSigterm) {
  TempDir temp;
  auto db = make_test_database(Engine::sqlite, temp);
  ASSERT_NE(db, nullptr);
  const auto migrations = temp.path() / "migrations";
  std::filesystem::create_directories(migrations);
  write_atomically(migrations / "r1.sql", revision_text(create_table_revision("r1", "none", "t1")));
  NotifySocket notify(temp.path() / "notify.sock");
  ASSERT_TRUE(notify.bound());

  DaemonSettings s;
  s.database_url = db->url();
  s.migrations_dir = migrations;
  s.env = {{"NOTIFY_SOCKET", (temp.path() / "notify.sock").string()}, {"WATCHDOG_USEC", "400000"}};
  // WATCHDOG_PID must be the daemon's own PID: a shell learns it and execs the daemon.
  s.command_prefix = {"/bin/sh", "-c", "WATCHDOG_PID=$$; export WATCHDOG_PID; exec \"$@\"", "sh"};
  DaemonUnderTest daemon(temp.path(), s);
  ASSERT_TRUE(daemon.started()) << daemon.describe();

  ASSERT_TRUE(eventually([&] { return notify.first_with("READY=1").has_value(); }, k_soon))
      << messages_text(notify) << daemon.describe();
  const auto ready = *notify.first_with("READY=1");
  // Sent after the first check: the status names the revision it applied.
  EXPECT_NE(ready.text.find("STATUS=at r1; 0 pending; no drift"), std::string::npos) << ready.text;

  // The watchdog: at least 8 pings, never further apart than WATCHDOG_USEC (systemd would
  // kill the service), about WATCHDOG_USEC / 2 apart.
  ASSERT_TRUE(eventually([&] { return notify.arrivals_of("WATCHDOG=1").size() >= 8; }, k_soon))
      << messages_text(notify);
  const auto pings = notify.arrivals_of("WATCHDOG=1");
  std::vector<double> gaps_ms;
  for (std::size_t i = 1; i < pings.size(); ++i) {
    gaps_ms.push_back(std::chrono::duration<double, std::milli>(pings[i] - pings[i - 1]).count());
  }
  std::sort(gaps_ms.begin(), gaps_ms.end());
  EXPECT_LT(gaps_ms.back(), 400.0) << "a watchdog gap longer than WATCHDOG_USEC";
  const double median = gaps_ms[gaps_ms.size() / 2];
  EXPECT_GT(median, 150.0);
  EXPECT_LT(median, 300.0);

  const ProcessResult exited = daemon.stop();
  EXPECT_EQ(exited.exit_code, 0) << daemon.describe();
  EXPECT_TRUE(eventually([&] { return notify.first_with("STOPPING=1").has_value(); }, 5s))
      << messages_text(notify);
  const auto stopping = notify.first_with("STOPPING=1");
  if (stopping) {
    EXPECT_GT(stopping->at, ready.at);
  }
}

}  // namespace
}  // namespace magent::test
