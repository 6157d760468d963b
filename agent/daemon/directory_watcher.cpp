#include "agent/daemon/directory_watcher.hpp"

#include "agent/daemon/inotify_events.hpp"
#include "agent/daemon/watch_path.hpp"
#include "agent/daemon/watch_set.hpp"

#include <spdlog/spdlog.h>

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <optional>
#include <span>
#include <system_error>
#include <utility>

namespace magent::daemon {
namespace {

using Clock = std::chrono::steady_clock;

// Resolve-and-place rounds before accepting a path that keeps moving while being watched.
constexpr int k_max_arm_rounds = 5;
// read(2) calls per wakeup, so a flood of events cannot hold the event loop.
constexpr int k_max_reads_per_wakeup = 16;
constexpr std::size_t k_read_buffer_bytes = 64 * 1024;

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Runs `body`; an exception is logged, never let out (Asio handlers and destructors).
template <class Body>
void guarded(const char* what, Body&& body) noexcept {
  try {
    body();
  } catch (const std::exception& error) {
    try {
      spdlog::error("directory watcher: {} failed: {}", what, error.what());
    } catch (...) {
    }
  } catch (...) {
    try {
      spdlog::error("directory watcher: {} failed", what);
    } catch (...) {
    }
  }
}

WatcherOptions sanitized(WatcherOptions options) {
  using std::chrono::milliseconds;
  options.debounce = std::max(options.debounce, milliseconds{0});
  options.max_delay = std::max(options.max_delay, options.debounce);
  options.retry_interval = std::max(options.retry_interval, milliseconds{10});
  return options;
}

}  // namespace

class DirectoryWatcher::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, std::string path, WatcherOptions options, Callback on_event)
      : m_path(std::move(path)),
        m_options(sanitized(options)),
        m_on_event(std::move(on_event)),
        m_stream(io),
        m_debounce_timer(io),
        m_retry_timer(io) {}

  core::Result<void> start() {
    if (m_state == State::running) {
      return core::make_error(core::ErrorKind::usage, "the directory watcher is already running");
    }
    if (m_state == State::stopped) {
      return core::make_error(core::ErrorKind::usage, "a stopped directory watcher cannot restart");
    }
    try {
      return start_watching();
    } catch (const std::exception& error) {
      abandon_start();
      return core::make_error(core::ErrorKind::io,
                              std::string("cannot start watching: ") + error.what());
    }
  }

  void stop() noexcept {
    if (m_state == State::stopped) return;
    m_state = State::stopped;
    guarded("stopping", [this] {
      m_debounce_timer.cancel();
      m_retry_timer.cancel();
    });
    close_descriptor();
    m_change_pending = false;
  }

  void force_check() noexcept {
    if (m_state != State::running) return;
    guarded("re-checking the path", [this] { (void)rearm(PlacementPolicy::lenient); });
  }

  std::string resolved_path() const { return m_resolution.target; }

  std::string problem() const {
    if (m_state == State::idle) return "not started";
    if (m_state == State::stopped) return "stopped";
    if (!m_read_problem.empty()) return m_read_problem;
    if (!m_resolution.present()) return m_resolution.problem;
    return m_watches.problem();
  }

 private:
  enum class State { idle, running, stopped };

  core::Result<void> start_watching() {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      std::string message = "cannot create an inotify instance: " + errno_text(error);
      if (error == EMFILE) {
        message += " (raise fs.inotify.max_user_instances or the open-file limit)";
      }
      return core::make_error(core::ErrorKind::io, std::move(message));
    }
    std::error_code error;
    m_stream.assign(fd, error);
    if (error) {
      ::close(fd);
      return core::make_error(core::ErrorKind::io,
                              "cannot register the inotify descriptor: " + error.message());
    }
    m_state = State::running;
    if (core::Result<void> armed = rearm(PlacementPolicy::strict); !armed.ok()) {
      abandon_start();
      return armed;
    }
    wait_readable();
    return {};
  }

  // Undoes a start that failed half-way, so that start() may be tried again.
  void abandon_start() noexcept {
    m_state = State::idle;
    guarded("abandoning start", [this] {
      m_debounce_timer.cancel();
      m_retry_timer.cancel();
    });
    close_descriptor();
    m_debounce_armed = false;
    m_retry_armed = false;
    m_change_pending = false;
    m_resolution = PathResolution{};
  }

  void close_descriptor() noexcept {
    std::error_code ignored;
    m_stream.close(ignored);  // removes every watch with the instance
    m_watches.clear();
  }

  // Resolves the path, places the watches it needs and removes the others; repeats while the
  // path moves under it, so no change between resolving and watching goes unseen. Notes a
  // change when the path now leads to another directory (or to none). Fails only while
  // starting, on limits or an unwatchable target; later failures degrade to retries.
  core::Result<void> rearm(PlacementPolicy policy) {
    const std::string old_problem = m_watches.problem();
    PathResolution resolution;
    for (int round = 0; round < k_max_arm_rounds; ++round) {
      resolution = resolve_watch_path(m_path);
      core::Result<void> placed = m_watches.place(m_stream.native_handle(), resolution, policy);
      if (!placed.ok()) return placed;
      if (resolve_watch_path(m_path) == resolution) break;
    }
    if (!m_watches.problem().empty() && m_watches.problem() != old_problem) {
      spdlog::warn("directory watcher: {}; re-checking every {} ms", m_watches.problem(),
                   m_options.retry_interval.count());
    }
    const bool moved = resolution.target != m_resolution.target ||
                       resolution.device != m_resolution.device ||
                       resolution.inode != m_resolution.inode;
    m_resolution = std::move(resolution);
    if (policy == PlacementPolicy::strict ? !m_resolution.present() : moved) {
      if (m_resolution.present()) {
        spdlog::info("directory watcher: {} now leads to {}", m_path, m_resolution.target);
      } else {
        spdlog::warn("directory watcher: {} is missing: {}", m_path, m_resolution.problem);
      }
      note_change();
    }
    schedule_retry();
    return {};
  }

  void wait_readable() {
    m_stream.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [self = shared_from_this()](const std::error_code& error) { self->on_readable(error); });
  }

  void on_readable(const std::error_code& error) noexcept {
    if (m_state != State::running || error == asio::error::operation_aborted) return;
    guarded("reading inotify events", [&] {
      if (error) {
        fail_reading("waiting for inotify events: " + error.message());
      } else if (drain()) {
        wait_readable();
      }
    });
  }

  // Reads what is queued (bounded) and acts on it as one batch. False when reading failed.
  bool drain() {
    EventBatch batch;
    bool healthy = true;
    for (int reads = 0; reads < k_max_reads_per_wakeup; ++reads) {
      const ssize_t got = ::read(m_stream.native_handle(), m_buffer.data(), m_buffer.size());
      if (got < 0) {
        const int error = errno;
        if (error == EINTR) continue;
        if (error != EAGAIN && error != EWOULDBLOCK) {
          healthy = false;
          fail_reading("reading inotify events: " + errno_text(error));
        }
        break;
      }
      if (got == 0) break;
      const std::span<const char> bytes(m_buffer.data(), static_cast<std::size_t>(got));
      for (const InotifyEvent& event : parse_inotify_events(bytes)) {
        m_watches.classify(event, batch);
      }
    }
    if (batch.overflow) {
      spdlog::warn("directory watcher: inotify queue overflowed; rescanning {}", m_path);
    }
    if (batch.resolve) (void)rearm(PlacementPolicy::lenient);
    if (batch.change) {
      note_change();
    } else if (batch.activity) {
      note_activity();
    }
    return healthy;
  }

  void fail_reading(std::string problem) {
    spdlog::error("directory watcher: {}; relying on periodic rescans", problem);
    m_read_problem = std::move(problem);
    note_change();
  }

  void note_change() {
    const Clock::time_point now = Clock::now();
    if (!m_change_pending) {
      m_change_pending = true;
      m_first_pending = now;
    }
    m_last_activity = now;
    schedule_debounce();
  }

  void note_activity() {
    if (!m_change_pending) return;
    m_last_activity = Clock::now();
    schedule_debounce();
  }

  Clock::time_point report_deadline() const {
    return std::min(m_last_activity + m_options.debounce, m_first_pending + m_options.max_delay);
  }

  void schedule_debounce() {
    if (m_state != State::running || m_debounce_armed) return;
    m_debounce_armed = true;
    m_debounce_timer.expires_at(report_deadline());
    m_debounce_timer.async_wait(
        [self = shared_from_this()](const std::error_code& error) { self->on_debounce(error); });
  }

  void on_debounce(const std::error_code& error) noexcept {
    m_debounce_armed = false;
    if (m_state != State::running || error) return;
    guarded("reporting a change", [this] {
      if (!m_change_pending) return;
      if (Clock::now() < report_deadline()) {  // more events came in: wait for quiet again
        schedule_debounce();
        return;
      }
      m_change_pending = false;
      const WatchEvent event = m_resolution.present() ? WatchEvent::changed : WatchEvent::missing;
      if (event == WatchEvent::missing && m_last_reported == WatchEvent::missing) return;
      m_last_reported = event;
      m_on_event(event);  // may stop or destroy the watcher; `self` keeps this alive
    });
  }

  bool needs_retry() const { return !m_resolution.present() || !m_watches.problem().empty(); }

  void schedule_retry() {
    if (m_state != State::running || m_retry_armed || !needs_retry()) return;
    m_retry_armed = true;
    m_retry_timer.expires_after(m_options.retry_interval);
    m_retry_timer.async_wait(
        [self = shared_from_this()](const std::error_code& error) { self->on_retry(error); });
  }

  void on_retry(const std::error_code& error) noexcept {
    m_retry_armed = false;
    if (m_state != State::running || error) return;
    guarded("re-checking the path", [this] { (void)rearm(PlacementPolicy::lenient); });
  }

  const std::string m_path;
  const WatcherOptions m_options;
  const Callback m_on_event;
  asio::posix::stream_descriptor m_stream;
  asio::steady_timer m_debounce_timer;
  asio::steady_timer m_retry_timer;
  std::array<char, k_read_buffer_bytes> m_buffer{};

  State m_state = State::idle;
  WatchSet m_watches;
  PathResolution m_resolution;  // where the path led at the last re-arm
  std::string m_read_problem;   // reading the descriptor failed, "" if it never did

  bool m_change_pending = false;
  Clock::time_point m_first_pending;  // first event of the pending change
  Clock::time_point m_last_activity;  // latest event of the pending change
  bool m_debounce_armed = false;
  bool m_retry_armed = false;
  std::optional<WatchEvent> m_last_reported;
};

DirectoryWatcher::DirectoryWatcher(asio::io_context& io, std::string path, WatcherOptions options,
                                   Callback on_event)
    : m_impl(std::make_shared<Impl>(io, std::move(path), options, std::move(on_event))) {}

DirectoryWatcher::DirectoryWatcher(asio::io_context& io, std::string path,
                                   std::chrono::milliseconds debounce, Callback on_event)
    : DirectoryWatcher(io, std::move(path), WatcherOptions{.debounce = debounce},
                       std::move(on_event)) {}

DirectoryWatcher::~DirectoryWatcher() {
  m_impl->stop();
}

core::Result<void> DirectoryWatcher::start() {
  return m_impl->start();
}

void DirectoryWatcher::stop() {
  m_impl->stop();
}

void DirectoryWatcher::force_check() {
  m_impl->force_check();
}

std::string DirectoryWatcher::resolved_path() const {
  return m_impl->resolved_path();
}

std::string DirectoryWatcher::problem() const {
  return m_impl->problem();
}

}  // namespace magent::daemon
