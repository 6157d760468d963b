#pragma once

#include <optional>
#include <string>
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
};

// Files larger than this are reported as problems instead of being read.
inline constexpr std::size_t k_max_migration_file_bytes = std::size_t{64} << 20;

// Lists `dir` (not recursively), follows symlinks to regular files (Kubernetes ConfigMap
// mounts), keeps the names core::migration_file_kind accepts, and parses each with its
// checksum (SHA-256 of the raw bytes) and path (the file name) set. Large directories are
// read and parsed on a few threads; the result is the same as one thread's. Never throws.
ScanResult scan_migration_directory(const std::string& dir);

}  // namespace magent::platform

namespace magent::platform {

// A migrations directory read and validated as one revision graph.
struct LoadedGraph {
  std::optional<core::RevisionGraph> graph;  // nullopt when any file or the graph is bad
  std::vector<core::Error> problems;         // every problem, one line each
  std::size_t files = 0;                     // migration files found
  bool directory_ok = false;
};

// Scans `dir` and builds the graph. A broken file makes the whole graph unusable: nothing
// is applied from a directory with problems.
LoadedGraph load_revision_graph(const std::string& dir);

}  // namespace magent::platform
