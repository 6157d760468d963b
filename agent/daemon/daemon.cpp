#include "agent/daemon/daemon.hpp"

#include <atomic>
#include <csignal>
#include <memory>

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <asio.hpp>

#include "agent/control/authorization.hpp"
#include "agent/control/server.hpp"
#include "agent/core/text.hpp"
#include "agent/daemon/agent_state.hpp"
#include "agent/daemon/control_handler.hpp"
#include "agent/daemon/directory_watcher.hpp"
#include "agent/daemon/reconciler.hpp"
#include "agent/daemon/systemd_notifier.hpp"
#include "agent/daemon/worker.hpp"
#include "agent/metrics/exporter.hpp"
#include "agent/metrics/http_endpoint.hpp"
#include "agent/platform/child_process.hpp"
#include "agent/platform/clock.hpp"
#include "agent/version.hpp"

namespace magent::daemon {
namespace {

using std::chrono::milliseconds;

// How long, after the shutdown grace ran out and the server was asked to stop the running
// statement, the worker gets to record the step as failed before the daemon exits anyway.
constexpr milliseconds k_after_cancel{5000};

// sd_notify's one-line STATUS: revision, pending, drift.
std::string status_line(const core::StatusSnapshot& s) {
  if (!s.file_problems.empty()) return "migration files have problems: " + s.file_problems.front();
  if (!s.database_up) return "database unreachable";
  std::string line = "at " +
                     (s.revisions.empty() ? std::string("base") : core::join(s.revisions, ",")) +
                     "; " + std::to_string(s.pending.size()) + " pending";
  std::vector<std::string> kinds;
  for (const auto& d : s.drift) kinds.emplace_back(core::to_string(d.kind));
  line += kinds.empty() ? "; no drift" : "; drift: " + core::join(kinds, ",");
  if (s.migrating) line += "; migrating " + s.current_step;
  return line;
}

class Daemon {
 public:
  Daemon(config::Config config, ConfigLoader reload)
      : m_signals(m_io, SIGTERM, SIGINT, SIGHUP),
        m_poll_timer(m_io),
        m_rescan_timer(m_io),
        m_watchdog_timer(m_io),
        m_heartbeat_timer(m_io),
        m_config(std::move(config)),
        m_reload(std::move(reload)) {}

  int run();

 private:
  void start_watcher();
  void request_check(const char* why);
  void on_check_done(const CheckResult& result);
  void arm_poll(milliseconds delay);
  void arm_rescan();
  void arm_watchdog(milliseconds interval);
  void arm_heartbeat();
  void wait_signal();
  void reload();
  void shutdown(int signo);
  ReconcilerHooks make_hooks();
  bool loop_alive() const;
  bool start_endpoints();
  // After the shutdown grace: stops the running statement where the engine needs it (MySQL
  // KILL QUERY); true when the worker then finished (the step recorded as failed).
  bool cancel_running_step();

  asio::io_context m_io;
  asio::signal_set m_signals;
  asio::steady_timer m_poll_timer, m_rescan_timer, m_watchdog_timer, m_heartbeat_timer;
  config::Config m_config;
  ConfigLoader m_reload;
  AgentState m_state;
  SystemdNotifier m_notifier;
  metrics::Exporter m_exporter;
  std::optional<metrics::HttpEndpoint> m_http;
  std::unique_ptr<DirectoryWatcher> m_watcher;
  std::unique_ptr<Reconciler> m_reconciler;
  std::unique_ptr<ControlHandler> m_control_handler;
  std::unique_ptr<control::Server> m_control;
  Worker m_worker;  // destroyed first: no job outlives the reconciler
  std::atomic<bool> m_check_queued{false};
  std::atomic<std::int64_t> m_heartbeat{0};
  milliseconds m_db_backoff{1'000};
  bool m_ready_sent = false;
  bool m_stopping = false;
};

int Daemon::run() {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the agent
  spdlog::info("migration-agent {} starting: database {}, migrations {}, auto-migrate {}",
               k_version, m_config.database.url.redacted(), m_config.migrations.dir,
               m_config.apply.auto_migrate ? "on" : "off");
  m_reconciler =
      std::make_unique<Reconciler>(m_config, m_state, platform::system_clock(), make_hooks());
  m_exporter.update(m_state.snapshot());
  if (!start_endpoints()) return 2;

  wait_signal();
  start_watcher();
  arm_heartbeat();
  arm_rescan();
  if (auto interval = m_notifier.watchdog_interval()) arm_watchdog(*interval);
  request_check("start");

  m_io.run();

  // The loop stopped: let a running step finish (or roll back) within the grace period.
  if (!m_worker.wait_stopped(m_config.daemon.shutdown_grace) && !cancel_running_step()) {
    spdlog::warn(
        "a migration step is still running after the {} ms grace period; exiting "
        "now: the server drops the session and its lock; PostgreSQL and SQLite roll "
        "the open step back, a MySQL/MariaDB step may run on and is left `started` "
        "in the ledger (failed drift until settled)",
        m_config.daemon.shutdown_grace.count());
    spdlog::default_logger()->flush();
    _exit(0);
  }
  if (m_http) m_http->stop();
  spdlog::info("stopped");
  return 0;
}

bool Daemon::cancel_running_step() {
  auto cancelled = m_reconciler->cancel_statement();
  if (!cancelled) {
    spdlog::warn("the shutdown grace ran out mid-step, and stopping the statement failed: {}",
                 cancelled.error().message);
    return false;
  }
  if (!*cancelled) return false;
  spdlog::warn(
      "the {} ms shutdown grace ran out mid-step: asked the server to stop the statement "
      "(KILL QUERY); the step is recorded as failed",
      m_config.daemon.shutdown_grace.count());
  return m_worker.wait_stopped(k_after_cancel);
}

bool Daemon::start_endpoints() {
  if (!m_config.metrics.listen.empty()) {
    auto endpoint =
        metrics::HttpEndpoint::start(m_config.metrics, m_exporter, [this] { return loop_alive(); });
    if (!endpoint) {
      spdlog::error("{}", endpoint.error().message);
      return false;
    }
    m_http.emplace(std::move(*endpoint));
    spdlog::info("metrics, /healthz and /readyz on http://{}", m_config.metrics.listen);
  }
  if (!m_config.control.socket.empty()) {
    m_control_handler = std::make_unique<ControlHandler>(
        m_worker, *m_reconciler, m_state, [this] { asio::post(m_io, [this] { reload(); }); });
    control::ServerOptions options;
    options.on_event = [](const control::ServerEvent& event) {
      spdlog::warn("control socket: {} ({})", event.message, control::describe(event.peer));
    };
    auto server = control::Server::start(m_io, m_config.control, *m_control_handler, options);
    if (!server) {
      spdlog::error("{}", server.error().message);
      if (m_http) m_http->stop();
      return false;
    }
    m_control = std::move(*server);
    spdlog::info("control socket {}", m_config.control.socket);
  }
  return true;
}

ReconcilerHooks Daemon::make_hooks() {
  ReconcilerHooks hooks;
  hooks.on_step = [this](const db::StepResult& r) {
    auto direction =
        r.revision.empty() ? metrics::StepDirection::stamp : metrics::step_direction(r.direction);
    m_exporter.record_step(
        direction, r.succeeded ? metrics::StepOutcome::succeeded : metrics::StepOutcome::failed,
        r.duration);
  };
  hooks.on_lock_wait = [this](milliseconds waited, bool acquired) {
    m_exporter.record_lock_wait(
        waited, acquired ? metrics::LockWaitOutcome::acquired : metrics::LockWaitOutcome::timeout);
  };
  hooks.on_lock_held = [this](bool holding) {
    if (holding) {
      m_exporter.lock_acquired();
    } else {
      m_exporter.lock_released();
    }
  };
  hooks.on_state_change = [this] {
    m_exporter.update(m_state.snapshot());
    asio::post(m_io, [this] {
      if (m_ready_sent) m_notifier.status(status_line(m_state.snapshot()));
    });
  };
  return hooks;
}

bool Daemon::loop_alive() const {
  auto beat = std::chrono::steady_clock::duration(m_heartbeat.load());
  return std::chrono::steady_clock::now().time_since_epoch() - beat < std::chrono::seconds(5);
}

void Daemon::start_watcher() {
  m_watcher = std::make_unique<DirectoryWatcher>(
      m_io, m_config.migrations.dir, m_config.daemon.debounce, [this](WatchEvent event) {
        if (event == WatchEvent::missing) {
          spdlog::warn("the migrations directory {} is missing", m_config.migrations.dir);
        }
        request_check(event == WatchEvent::missing ? "directory missing" : "files changed");
      });
  if (auto started = m_watcher->start(); !started) {
    spdlog::warn("cannot watch {} ({}); relying on the periodic rescan every {} ms",
                 m_config.migrations.dir, started.error().message,
                 m_config.daemon.rescan_interval.count());
    m_watcher.reset();
  }
}

void Daemon::request_check(const char* why) {
  if (m_stopping || m_check_queued.exchange(true)) return;  // one queued check is enough
  spdlog::debug("check requested: {}", why);
  m_worker.post([this] {
    m_check_queued = false;
    CheckResult result = m_reconciler->check();
    asio::post(m_io, [this, result] { on_check_done(result); });
  });
}

void Daemon::on_check_done(const CheckResult& result) {
  if (m_stopping) return;
  core::StatusSnapshot snapshot = m_state.snapshot();
  if (!m_ready_sent) {
    m_ready_sent = true;
    m_notifier.ready(status_line(snapshot));
    spdlog::info("first check done: {}", status_line(snapshot));
  } else {
    m_notifier.status(status_line(snapshot));
  }
  if (result.decision.action == core::Action::hold && !result.decision.reason.empty()) {
    spdlog::debug("holding: {}", result.decision.reason);
  }
  if (result.database_up) {
    m_db_backoff = milliseconds{1'000};
    arm_poll(m_config.daemon.poll_interval);
    return;
  }
  // Reconnect with jittered exponential backoff, never slower than the poll interval.
  auto jitter = 0.75 + 0.5 * platform::system_clock().random_unit();
  auto delay = milliseconds(static_cast<long>(static_cast<double>(m_db_backoff.count()) * jitter));
  arm_poll(std::min(delay, m_config.daemon.poll_interval));
  m_db_backoff = std::min(m_db_backoff * 2, m_config.daemon.poll_interval);
}

void Daemon::arm_poll(milliseconds delay) {
  m_poll_timer.expires_after(delay);
  m_poll_timer.async_wait([this](const asio::error_code& ec) {
    if (!ec) request_check("poll");
  });
}

void Daemon::arm_rescan() {
  if (m_config.daemon.rescan_interval.count() <= 0) return;
  m_rescan_timer.expires_after(m_config.daemon.rescan_interval);
  m_rescan_timer.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    if (m_watcher) m_watcher->force_check();
    request_check("periodic rescan");
    arm_rescan();
  });
}

void Daemon::arm_watchdog(milliseconds interval) {
  m_notifier.watchdog();
  m_watchdog_timer.expires_after(interval);
  m_watchdog_timer.async_wait([this, interval](const asio::error_code& ec) {
    if (!ec) arm_watchdog(interval);
  });
}

void Daemon::arm_heartbeat() {
  m_heartbeat = std::chrono::steady_clock::now().time_since_epoch().count();
  // As a container's PID 1 the agent inherits every orphan (a runner's grandchildren):
  // reap them, never touching the runner child a worker is waiting for.
  if (platform::is_init_process()) platform::reap_orphans();
  m_heartbeat_timer.expires_after(milliseconds(1'000));
  m_heartbeat_timer.async_wait([this](const asio::error_code& ec) {
    if (!ec) arm_heartbeat();
  });
}

void Daemon::wait_signal() {
  m_signals.async_wait([this](const asio::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      reload();
      wait_signal();
      return;
    }
    shutdown(signo);
  });
}

void Daemon::reload() {
  auto loaded = m_reload ? m_reload() : core::Result<config::Config>(m_config);
  if (!loaded) {
    spdlog::error("reload failed; keeping the previous configuration: {}", loaded.error().message);
    return;
  }
  config::Config next = std::move(*loaded);
  if (next.control.socket != m_config.control.socket ||
      next.metrics.listen != m_config.metrics.listen) {
    spdlog::warn("control.socket and metrics.listen take effect at the next restart");
  }
  const bool new_dir = next.migrations.dir != m_config.migrations.dir ||
                       next.daemon.debounce != m_config.daemon.debounce;
  m_config = next;
  spdlog::info("configuration reloaded (auto-migrate {})",
               m_config.apply.auto_migrate ? "on" : "off");
  m_worker.post([this, next] { m_reconciler->reconfigure(next); });
  if (new_dir) {
    if (m_watcher) m_watcher->stop();
    start_watcher();
  }
  arm_rescan();
  // Queued behind reconfigure() (never merged into a check queued before it), so the check
  // runs with the new settings.
  m_worker.post([this] {
    CheckResult result = m_reconciler->check();
    asio::post(m_io, [this, result] { on_check_done(result); });
  });
}

void Daemon::shutdown(int signo) {
  spdlog::info("received {}; stopping (grace period {} ms)", signo == SIGINT ? "SIGINT" : "SIGTERM",
               m_config.daemon.shutdown_grace.count());
  m_stopping = true;
  m_notifier.stopping();
  m_reconciler->request_stop();
  m_worker.stop();
  if (m_watcher) m_watcher->stop();
  if (m_control) m_control->stop();
  // Give SIGTERM/SIGINT their default action back: a second one ends the grace period.
  asio::error_code ignored;
  m_signals.remove(SIGTERM, ignored);
  m_signals.remove(SIGINT, ignored);
  m_signals.cancel(ignored);
  m_io.stop();
}

}  // namespace

int run_daemon(config::Config config, ConfigLoader reload) {
  Daemon daemon(std::move(config), std::move(reload));
  return daemon.run();
}

}  // namespace magent::daemon
