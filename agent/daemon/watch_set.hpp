#pragma once

#include <map>
#include <set>
#include <string>

#include "agent/core/result.hpp"
#include "agent/daemon/inotify_events.hpp"
#include "agent/daemon/watch_path.hpp"

namespace magent::daemon {

// What a batch of inotify events asks the watcher to do.
struct EventBatch {
  bool resolve = false;   // the path may lead elsewhere now: re-resolve and move the watches
  bool change = false;    // report a change (debounced)
  bool activity = false;  // a file is being written: delay a pending report, start none
  bool overflow = false;  // the kernel queue overflowed and events were lost
};

// Whether a watch that cannot be placed is an error or only degrades watching.
enum class PlacementPolicy {
  strict,   // start-up: an unwatchable target, or any limit (ENOSPC/ENOMEM), is an error
  lenient,  // running: record the problem and carry on; the caller retries later
};

// The inotify watches one watched path needs, by watch descriptor: the directory the path
// leads to (its contents) and every directory the path walks through (the entries on the
// way, so a re-pointed symlink or a renamed directory is seen). Does not own the descriptor.
class WatchSet {
 public:
  // Places on inotify instance `fd` the watches `resolution` needs and removes the others.
  // Under PlacementPolicy::strict, fails as documented there; otherwise always succeeds and
  // records the first failure in problem().
  core::Result<void> place(int fd, const PathResolution& resolution, PlacementPolicy policy);

  // Folds one event into `batch`: queue overflow, a watch gone or moved, a path entry
  // changed (re-resolve and report), or a relevant change in the target (report; a file
  // still being written only counts as activity). Ignored names never count.
  void classify(const InotifyEvent& event, EventBatch& batch);

  // The first watch that could not be placed at the last place(); "" when all were.
  const std::string& problem() const { return m_problem; }

  // Forgets every watch (the descriptor was closed, which removed them).
  void clear() noexcept { m_watches.clear(); }

 private:
  struct Watch {
    std::string directory;
    std::set<std::string, std::less<>> entries;  // names that decide where the path leads
    bool target = false;                         // the directory the path leads to
  };

  std::map<int, Watch> m_watches;
  std::string m_problem;
};

}  // namespace magent::daemon
