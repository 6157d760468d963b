#include "tests/support/daemon_under_test.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/eventually.hpp"
#include "tests/support/exposition.hpp"

namespace magent::test {
namespace {

using namespace std::chrono_literals;

// What the test's own environment must not leak into the daemon's configuration.
const std::vector<std::string> k_isolated_env = {"DATABASE_URL",
                                                 "DATABASE_URL_FILE",
                                                 "MIGRATIONS_DIR",
                                                 "AUTO_MIGRATE",
                                                 "NOW_LMS_AUTO_MIGRATE",
                                                 "MIGRATION_AGENT_CONFIG",
                                                 "MIGRATION_AGENT_SOCKET",
                                                 "MIGRATION_AGENT_METRICS_LISTEN",
                                                 "MIGRATION_AGENT_LOG_FORMAT",
                                                 "NOTIFY_SOCKET",
                                                 "WATCHDOG_USEC",
                                                 "WATCHDOG_PID",
                                                 "LISTEN_FDS",
                                                 "LISTEN_PID"};

// TOML basic string with the characters that need it escaped.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool port_is_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return bound;
}

}  // namespace

std::string daemon_config_text(const DaemonSettings& s, std::uint16_t metrics_port) {
  std::string text;
  text += "[database]\nurl = " + toml_string(s.database_url) + "\n";
  text += "[migrations]\ndir = " + toml_string(s.migrations_dir.string()) + "\n";
  text += "[apply]\nauto_migrate = " + std::string(s.auto_migrate ? "true" : "false") + "\n";
  text += "lock_timeout = " + toml_string(s.lock_timeout) + "\n";
  text += "[daemon]\npoll_interval = " + toml_string(s.poll_interval) + "\n";
  text += "debounce = " + toml_string(s.debounce) + "\n";
  text += "rescan_interval = " + toml_string(s.rescan_interval) + "\n";
  text += "shutdown_grace = " + toml_string(s.shutdown_grace) + "\n";
  text += "retry_initial = " + toml_string(s.retry_initial) + "\n";
  text += "retry_max = " + toml_string(s.retry_max) + "\n";
  text += "[control]\nsocket = " + toml_string(s.control_socket.string()) + "\n";
  text += "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n";
  text += "[log]\nlevel = \"info\"\n";
  text += s.extra_toml;
  return text;
}

std::uint16_t free_local_port() {
  int low = 32768;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> low;
  if (low <= 12000) low = 60000;
  static std::mt19937 random(static_cast<unsigned>(::getpid()) ^ std::random_device{}());
  std::uniform_int_distribution<int> pick(10000, low - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<std::uint16_t>(pick(random));
    if (port_is_free(port)) return port;
  }
  return 0;
}

DaemonUnderTest::DaemonUnderTest(const std::filesystem::path& dir, DaemonSettings settings,
                                 std::string name)
    : m_dir(dir),
      m_settings(std::move(settings)),
      m_name(std::move(name)),
      m_config_path(dir / (m_name + ".toml")) {
  // A port taken between our probe and the daemon's bind makes it exit 2: try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const StartOutcome outcome = start_once();
    m_started = outcome == StartOutcome::started;
    if (outcome != StartOutcome::port_taken) break;
  }
}

DaemonUnderTest::~DaemonUnderTest() {
  // MAGENT_TEST_DAEMON_LOGS=1: show every daemon's log, not only those of failing checks.
  const char* show = std::getenv("MAGENT_TEST_DAEMON_LOGS");
  if (show != nullptr && std::string(show) == "1") std::fprintf(stderr, "%s", describe().c_str());
}

DaemonUnderTest::StartOutcome DaemonUnderTest::start_once() {
  m_port = free_local_port();
  rewrite_config(m_settings);
  std::vector<std::string> argv = m_settings.command_prefix;
  for (const std::string& arg :
       {agent_binary(), std::string("--config"), m_config_path.string(), std::string("run")}) {
    argv.push_back(arg);
  }
  ProcessOptions options;
  options.unset_env = k_isolated_env;
  options.env = m_settings.env;
  options.cwd = m_dir.string();
  m_process = std::make_unique<BackgroundProcess>(argv, options);
  eventually([&] { return !m_process->running() || get("/healthz").status == 200; }, 30s, 20ms);
  if (m_process->running()) {
    return get("/healthz").status == 200 ? StartOutcome::started : StartOutcome::failed;
  }
  const std::string err = m_process->errors_so_far();
  if (err.find(":" + std::to_string(m_port)) == std::string::npos) return StartOutcome::failed;
  m_failed_starts += err;  // this attempt's log is lost to the next one: keep it
  return StartOutcome::port_taken;
}

pid_t DaemonUnderTest::pid() const {
  return m_process ? m_process->pid() : -1;
}

bool DaemonUnderTest::running() {
  return m_process && m_process->running();
}

void DaemonUnderTest::rewrite_config(const DaemonSettings& settings) {
  m_settings = settings;
  rewrite_config_text(daemon_config_text(settings, m_port));
}

void DaemonUnderTest::rewrite_config_text(std::string_view text) {
  const std::filesystem::path temporary = m_config_path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  std::filesystem::rename(temporary, m_config_path);
}

std::string DaemonUnderTest::log() {
  return m_process ? m_process->errors_so_far() : "";
}

std::string DaemonUnderTest::describe() {
  std::string text = "\n--- " + m_name + " (pid " + std::to_string(pid()) + ", metrics port " +
                     std::to_string(m_port) + ") log ---\n";
  if (!m_failed_starts.empty()) text += "[earlier failed starts]\n" + m_failed_starts;
  return text + log() + "--- end of " + m_name + " log ---\n";
}

bool DaemonUnderTest::wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                                   std::size_t from) {
  return eventually(
      [&] {
        const std::string so_far = log();
        return so_far.size() > from && so_far.find(text, from) != std::string::npos;
      },
      timeout);
}

HttpResponse DaemonUnderTest::get(const std::string& path) const {
  return http_request("127.0.0.1", m_port, "GET", path, 5s);
}

std::optional<double> DaemonUnderTest::metric(std::string_view series) const {
  const HttpResponse response = get("/metrics");
  if (response.status != 200) return std::nullopt;
  return sample_value(response.body, series);
}

bool DaemonUnderTest::wait_for_metric(std::string_view series,
                                      const std::function<bool(double)>& accept,
                                      std::chrono::milliseconds timeout) const {
  return eventually(
      [&] {
        const auto value = metric(series);
        return value && accept(*value);
      },
      timeout, 50ms);
}

bool DaemonUnderTest::signal(int signo) const {
  return m_process && m_process->signal(signo);
}

ProcessResult DaemonUnderTest::wait(std::chrono::milliseconds timeout) {
  return m_process->wait(timeout);
}

ProcessResult DaemonUnderTest::stop(std::chrono::milliseconds timeout) {
  signal(SIGTERM);
  return wait(timeout);
}

}  // namespace magent::test
