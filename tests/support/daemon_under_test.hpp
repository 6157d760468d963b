#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/agent_runner.hpp"  // run_agent
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

namespace magent::test {

// The configuration a test daemon runs with: short intervals so that tests run in
// seconds. Durations are TOML duration strings.
struct DaemonSettings {
  std::string database_url;
  std::filesystem::path migrations_dir;
  bool auto_migrate = true;
  std::string poll_interval = "200ms";
  std::string debounce = "100ms";
  std::string rescan_interval = "1m";
  std::string shutdown_grace = "10s";
  std::string retry_initial = "200ms";
  std::string retry_max = "1s";
  std::string lock_timeout = "30s";
  // The control socket's path; empty = no control socket.
  std::filesystem::path control_socket;
  std::string extra_toml;  // appended verbatim (other sections)
  // Added to the daemon's environment (which never inherits DATABASE_URL, AUTO_MIGRATE,
  // NOTIFY_SOCKET and the like from the test's own).
  std::map<std::string, std::string> env;
  // Put before the daemon's argv, e.g. {"/bin/sh", "-c", "...; exec \"$@\"", "sh"}.
  std::vector<std::string> command_prefix;
};

// The TOML file for `settings`, listening for metrics on 127.0.0.1:`metrics_port`.
std::string daemon_config_text(const DaemonSettings& settings, std::uint16_t metrics_port);

// A TCP port on 127.0.0.1 that nothing listens on now, below the ephemeral range (so that
// the many outgoing connections of a test run do not take it before the daemon binds it).
std::uint16_t free_local_port();

// `migration-agent --config FILE run`, the real binary, in the background: writes the
// configuration into `dir`, picks a free metrics port, starts the daemon and waits until
// /healthz answers. Killed (SIGKILL) on destruction if still running; with
// MAGENT_TEST_DAEMON_LOGS=1 in the environment its log is printed then.
class DaemonUnderTest {
 public:
  // `name` distinguishes several daemons in one directory (config file, log prefix).
  DaemonUnderTest(const std::filesystem::path& dir, DaemonSettings settings,
                  std::string name = "daemon");
  ~DaemonUnderTest();
  DaemonUnderTest(const DaemonUnderTest&) = delete;
  DaemonUnderTest& operator=(const DaemonUnderTest&) = delete;

  // False when the daemon could not start; log() says why.
  bool started() const { return m_started; }
  pid_t pid() const;
  bool running();
  std::uint16_t metrics_port() const { return m_port; }
  const std::filesystem::path& config_path() const { return m_config_path; }

  // Rewrites the configuration file (same metrics port); the daemon sees it after SIGHUP.
  void rewrite_config(const DaemonSettings& settings);
  void rewrite_config_text(std::string_view text);

  // Everything the daemon logged (stderr) so far, and that with a header, for failure
  // messages.
  std::string log();
  std::string describe();
  // Waits until the log contains `text`, counting only what came after `from` bytes.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout, std::size_t from = 0);
  std::size_t log_size() { return log().size(); }

  HttpResponse get(const std::string& path) const;
  // One series of /metrics (e.g. `migration_agent_drift{kind="failed"}`); nullopt when the
  // scrape failed or the series is absent.
  std::optional<double> metric(std::string_view series) const;
  // Waits until `series` exists and `accept(value)` holds.
  bool wait_for_metric(std::string_view series, const std::function<bool(double)>& accept,
                       std::chrono::milliseconds timeout) const;
  bool wait_for_metric_value(std::string_view series, double value,
                             std::chrono::milliseconds timeout) const {
    return wait_for_metric(
        series, [value](double v) { return v == value; }, timeout);
  }

  bool signal(int signo) const;
  // Waits up to `timeout` for the daemon to exit by itself.
  ProcessResult wait(std::chrono::milliseconds timeout);
  // SIGTERM, then wait().
  ProcessResult stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  enum class StartOutcome { started, port_taken, failed };
  StartOutcome start_once();

  std::filesystem::path m_dir;
  DaemonSettings m_settings;
  std::string m_name;
  std::filesystem::path m_config_path;
  std::uint16_t m_port = 0;
  std::unique_ptr<BackgroundProcess> m_process;
  std::string m_failed_starts;  // logs of attempts lost to a port taken under us
  bool m_started = false;
};

}  // namespace magent::test
