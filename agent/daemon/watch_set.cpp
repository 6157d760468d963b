#include "agent/daemon/watch_set.hpp"

#include "agent/daemon/watch_names.hpp"

#include <sys/inotify.h>
#include <sys/stat.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace magent::daemon {
namespace {

// On the directory the path leads to: anything that can change which files it lists or what
// they hold. IN_MODIFY only delays a pending report (EventBatch::activity).
constexpr std::uint32_t k_target_mask = IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB |
                                        IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF |
                                        IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
// On every directory the path walks through: entries appearing, vanishing or renamed over.
constexpr std::uint32_t k_entry_mask = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                                       IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
// The watched directory itself went away or moved.
constexpr std::uint32_t k_self_gone_mask = IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;

std::string watch_error_text(const std::string& directory, int error) {
  const std::string prefix = "cannot watch " + directory + ": ";
  switch (error) {
    case ENOSPC:
      return prefix + "the inotify watch limit is reached (raise fs.inotify.max_user_watches)";
    case ENOMEM:
      return prefix + "the kernel is out of memory for inotify watches";
    case EACCES:
      return prefix + "permission denied";
    default:
      return prefix + std::error_code(error, std::generic_category()).message();
  }
}

// Fatal under PlacementPolicy::strict: limits anywhere; anything but "it just moved" on the
// target (the resolve-and-place loop catches a target that moved).
bool is_fatal_at_start(int error, bool target) {
  if (error == ENOSPC || error == ENOMEM) return true;
  return target && error != ENOENT && error != ENOTDIR;
}

// True for a regular file just created by a writer that still holds it open: it is reported
// when closed (IN_CLOSE_WRITE), never half-written. A new hard link (nlink > 1) is complete.
bool is_fresh_regular_file(const std::string& directory, const std::string& name) {
  const std::string path = directory == "/" ? "/" + name : directory + "/" + name;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return false;  // gone already: unsure, so report
  return S_ISREG(info.st_mode) && info.st_nlink == 1;
}

}  // namespace

core::Result<void> WatchSet::place(int fd, const PathResolution& resolution,
                                   PlacementPolicy policy) {
  std::map<std::string, Watch> wanted;
  for (const WalkedEntry& entry : resolution.entries) {
    Watch& watch = wanted[entry.directory];
    watch.directory = entry.directory;
    watch.entries.insert(entry.name);
  }
  if (resolution.present()) {
    Watch& watch = wanted[resolution.target];
    watch.directory = resolution.target;
    watch.target = true;
  }

  std::map<int, Watch> placed;
  std::string problem;
  for (auto& [directory, want] : wanted) {
    const std::uint32_t mask =
        (want.target ? k_target_mask : 0U) | (want.entries.empty() ? 0U : k_entry_mask);
    const int wd = ::inotify_add_watch(fd, directory.c_str(), mask);
    if (wd < 0) {
      const int error = errno;
      std::string text = watch_error_text(directory, error);
      if (policy == PlacementPolicy::strict && is_fatal_at_start(error, want.target)) {
        return core::make_error(core::ErrorKind::io, std::move(text));
      }
      if (problem.empty()) problem = std::move(text);
      continue;
    }
    Watch& kept = placed[wd];
    if (!kept.directory.empty()) {  // two paths reach one directory (bind mount): widen
      (void)::inotify_add_watch(fd, directory.c_str(), mask | IN_MASK_ADD);
    } else {
      kept.directory = directory;
    }
    kept.target = kept.target || want.target;
    kept.entries.merge(want.entries);
  }
  for (const auto& [wd, watch] : m_watches) {
    if (!placed.contains(wd)) (void)::inotify_rm_watch(fd, wd);
  }
  m_watches = std::move(placed);
  m_problem = std::move(problem);
  return {};
}

void WatchSet::classify(const InotifyEvent& event, EventBatch& batch) {
  if ((event.mask & IN_Q_OVERFLOW) != 0) {  // events were lost: assume the worst
    batch.overflow = batch.resolve = batch.change = true;
    return;
  }
  const auto found = m_watches.find(event.wd);
  if (found == m_watches.end()) return;  // a watch removed since the event was queued
  if ((event.mask & IN_IGNORED) != 0) {  // the kernel dropped the watch (directory gone)
    m_watches.erase(found);
    batch.resolve = true;
    return;
  }
  const Watch& watch = found->second;
  if ((event.mask & k_self_gone_mask) != 0) {
    batch.resolve = true;
    return;
  }
  if (event.name.empty()) return;
  if (watch.entries.contains(event.name)) {  // a step of the path itself (symlink swap)
    batch.resolve = true;
    batch.change = true;
  }
  if (!watch.target || is_ignored_name(event.name)) return;
  if ((event.mask & IN_MODIFY) != 0) {
    batch.activity = true;
  } else if ((event.mask & IN_CREATE) != 0 && (event.mask & IN_ISDIR) == 0 &&
             is_fresh_regular_file(watch.directory, event.name)) {
    batch.activity = true;  // reported by its IN_CLOSE_WRITE
  } else {
    batch.change = true;
  }
}

}  // namespace magent::daemon
