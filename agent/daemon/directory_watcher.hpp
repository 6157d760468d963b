#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/core/result.hpp"
#include "agent/daemon/asio.hpp"

namespace magent::daemon {

// What the watcher tells the reconcile loop, once things are quiet.
enum class WatchEvent {
  changed,  // the directory's contents changed, or the path now leads to another directory
  missing,  // the path leads to no directory (deleted, dangling symlink, not yet deployed)
};

// Tuning for DirectoryWatcher; the defaults suit production.
struct WatcherOptions {
  // Quiet time after the last relevant event before the callback runs.
  std::chrono::milliseconds debounce{300};
  // A change is reported at the latest this long after it was first seen, even while
  // events keep coming (a writer that never stops must not starve the reconcile loop).
  std::chrono::milliseconds max_delay{10'000};
  // How often the path is re-resolved while it is missing or a watch could not be placed.
  std::chrono::milliseconds retry_interval{1'000};
};

// Watches a migrations directory with inotify on the daemon's io_context and reports,
// debounced, when the set of migration files may have changed. It follows what deployments
// do: files written, renamed in, deleted or moved out; a Kubernetes ConfigMap/Secret volume's
// `..data` symlink swap; a symlinked path component (Capistrano's `current`) re-pointed, after
// which the new target is watched instead; the directory deleted, recreated or not there yet;
// and inotify queue overflow. Editor droppings and dotfiles other than `..data` are ignored.
//
// Threading: every member function must be called on the io_context's thread (or while it
// is not running); the callback always runs there. The watcher never blocks the loop.
class DirectoryWatcher {
 public:
  using Callback = std::function<void(WatchEvent)>;

  // Watches `path` (absolute, or relative to the working directory at each resolution).
  // Nothing happens before start().
  DirectoryWatcher(asio::io_context& io, std::string path, WatcherOptions options,
                   Callback on_event);
  // Same, with default options except the debounce.
  DirectoryWatcher(asio::io_context& io, std::string path, std::chrono::milliseconds debounce,
                   Callback on_event);
  // Stops (see stop()). Safe while handlers are still queued on the io_context.
  ~DirectoryWatcher();
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

  // Creates the inotify instance and places the watches. Start before the first scan: the
  // state at start is not reported when the directory exists, while a missing directory is
  // reported as `missing` after the debounce. Fails (the caller falls back to periodic
  // rescans) when inotify is unavailable, its limits are reached (fs.inotify.*) or the
  // directory cannot be watched; a failed start leaves nothing running and may be retried.
  core::Result<void> start();

  // Closes the inotify instance and cancels the timers. Idempotent; no callback runs after
  // it returns, even one already queued. The watcher cannot be restarted after stop().
  void stop();

  // Re-resolves the path now and moves the watches if it leads elsewhere, reporting a change
  // (debounced) when it does. For the daemon's safety-net rescan; a no-op before start().
  void force_check();

  // The canonical directory the path leads to as of the last resolution; "" when missing.
  std::string resolved_path() const;

  // Why watching is degraded (a watch could not be placed, the path is missing, reading
  // failed), one line; "" when every watch is in place.
  std::string problem() const;

 private:
  class Impl;
  std::shared_ptr<Impl> m_impl;  // shared with queued handlers, so they outlive `this` safely
};

}  // namespace magent::daemon
