#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace magent::test {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  // Writes `content` to `relative` (parent directories created) and returns its full path.
  std::filesystem::path write(std::string_view relative, std::string_view content) const;

 private:
  std::filesystem::path m_path;
};

// Reads a whole file; empty string when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace magent::test
