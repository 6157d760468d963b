#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/result.hpp"

namespace magent::db {

// An exclusive flock(2) on a file, held through an open descriptor so the kernel drops
// it when the process dies. The holder's description is written into the file so other
// processes can name who holds it. flock locks belong to the open file, so two LockFiles
// on one path conflict even inside one process. Not thread-safe.
class LockFile {
 public:
  explicit LockFile(std::filesystem::path path);
  ~LockFile();  // releases; never throws
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  // Takes the lock without blocking and records `holder` in the file; false when another
  // descriptor holds it; true (again) when this one already does. io error when the file
  // cannot be created or locked.
  core::Result<bool> try_acquire(std::string_view holder);
  // Empties the file and releases the lock; a no-op when not held.
  void release();
  bool held() const { return m_fd >= 0; }

  // Who holds the lock, from the file's text; nullopt when nobody does (a stale file left
  // by a dead process is not held).
  core::Result<std::optional<std::string>> holder() const;

  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
  int m_fd = -1;
  std::string m_holder;
};

}  // namespace magent::db
