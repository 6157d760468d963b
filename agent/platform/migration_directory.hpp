#pragma once

#include <string>
#include <vector>

#include "agent/core/result.hpp"
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
// checksum (SHA-256 of the raw bytes) and path (the file name) set. Never throws.
ScanResult scan_migration_directory(const std::string& dir);

}  // namespace magent::platform
