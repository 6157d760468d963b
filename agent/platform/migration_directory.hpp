#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/core/result.hpp"
#include "agent/core/revision_graph.hpp"
#include "agent/core/revision.hpp"

namespace magent::platform {

// Everything read from a migrations directory in one pass.
struct ScanResult {
  std::vector<core::Revision> revisions;  // parsed files, sorted by file name
  std::vector<core::Error> problems;      // unreadable or invalid files, or the directory itself
  bool directory_ok = false;              // false when the directory could not be listed
  std::size_t files_read = 0;  // revisions read and parsed now, not taken from a ScanCache
};

// What a file was when it was read: a file with the same identity has not been written,
// replaced or renamed over since (any of those changes its inode or ctime).
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

class ScanCache;

// Files larger than this are reported as problems instead of being read.
inline constexpr std::size_t k_max_migration_file_bytes = std::size_t{64} << 20;

// Lists `dir` (not recursively), follows symlinks to regular files (Kubernetes ConfigMap
// mounts), keeps the names core::migration_file_kind accepts, and parses each with its
// checksum (SHA-256 of the raw bytes) and path (the file name) set. Large directories are
// read and parsed on a few threads; the result is the same as one thread's. With a cache,
// a file whose identity is the one it had when the cache last read it is taken from there
// instead of being read again (one stat instead of open, read, parse and hash); the result
// is the same either way. Never throws.
ScanResult scan_migration_directory(const std::string& dir, ScanCache* cache = nullptr);

}  // namespace magent::platform

namespace magent::platform {

// A migrations directory read and validated as one revision graph.
struct LoadedGraph {
  std::shared_ptr<const core::RevisionGraph> graph;  // null when any file or the graph is bad
  std::vector<core::Error> problems;         // every problem, one line each
  std::size_t files = 0;                     // migration files found
  bool directory_ok = false;
};

// Scans `dir` and builds the graph. A broken file makes the whole graph unusable: nothing
// is applied from a directory with problems. With a cache (see ScanCache), a directory whose
// files are all as the cache last saw them gives back the graph built then.
LoadedGraph load_revision_graph(const std::string& dir, ScanCache* cache = nullptr);

// What the scanner remembers between scans of one directory, for the daemon, which scans at
// every poll: each file's revision under its identity, and the graph last built. A file
// changed less than the settle time (k_settle_time) before it was read is not remembered (file timestamps are
// coarse: a second write in the same tick with the same size would look unchanged), so it
// is read again until it has settled. One scan at a time.
class ScanCache {
 public:
  static constexpr std::chrono::nanoseconds k_settle_time = std::chrono::seconds(2);

  explicit ScanCache(std::chrono::nanoseconds settle_time = k_settle_time)
      : m_settle_ns(settle_time.count()) {}

  std::size_t files() const { return m_files.size(); }

 private:
  friend ScanResult scan_migration_directory(const std::string& dir, ScanCache* cache);
  friend LoadedGraph load_revision_graph(const std::string& dir, ScanCache* cache);

  struct Entry {
    FileIdentity identity;
    core::Revision revision;
  };
  // Whether `dir` holds exactly the files m_graph was built from, each with the identity it
  // had then: a listing and one stat a file, nothing read or copied.
  bool graph_still_current(const std::string& dir) const;
  std::int64_t m_settle_ns;
  std::string m_dir;  // the directory the entries are from; another one empties the cache
  std::unordered_map<std::string, Entry> m_files;  // by file name
  // The graph last built, the names it was built from, and their identities then (empty
  // when a file had not settled: the graph is then not trusted without a full scan).
  std::shared_ptr<const core::RevisionGraph> m_graph;
  std::vector<std::string> m_graph_files;
  std::vector<FileIdentity> m_graph_identities;
};

}  // namespace magent::platform
