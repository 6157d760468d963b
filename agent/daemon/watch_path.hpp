#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace magent::daemon {

// A directory entry that a path resolution looked up: if it is created, removed, renamed or
// re-pointed, the path may lead somewhere else. `directory` is canonical (no symlinks).
struct WalkedEntry {
  std::string directory;
  std::string name;

  bool operator==(const WalkedEntry&) const = default;
};

// Where a configured path leads now, and every entry the answer depends on.
struct PathResolution {
  std::string target;                // canonical directory path; "" when the path is missing
  std::uint64_t device = 0;          // identity of `target` (st_dev, st_ino): a directory
  std::uint64_t inode = 0;           // deleted and recreated at the same path is a new one
  std::vector<WalkedEntry> entries;  // in walk order, including each symlink and its parent
  std::string problem;               // why `target` is empty, one line naming the component

  bool present() const { return !target.empty(); }
  bool operator==(const PathResolution&) const = default;
};

// Symlinks followed before a resolution gives up (the kernel's own limit).
inline constexpr int k_max_symlink_hops = 40;

// Walks `path` component by component as the kernel would (relative paths from the working
// directory, symlinks followed with lstat/readlink, ".." applied after resolution) and
// records every entry looked up. Missing components, loops, non-directories and permission
// errors give a resolution with an empty target and a problem. Never throws on I/O errors.
PathResolution resolve_watch_path(std::string_view path);

}  // namespace magent::daemon
