#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace magent::test {

// A native .sql revision for tests: header, generic sections and optional per-dialect
// upgrade sections ("sqlite", "postgresql", "mysql").
struct RevisionSpec {
  std::string id;
  std::string down = "none";  // "none", one id, or comma-separated ids
  std::string upgrade;        // generic upgrade section
  std::string downgrade;      // generic downgrade section ("" = none)
  std::vector<std::pair<std::string, std::string>> upgrade_for;  // {dialect, SQL}
};

// The file text of `spec`.
std::string revision_text(const RevisionSpec& spec);

// A revision that creates table `table` (and drops it on downgrade).
RevisionSpec create_table_revision(std::string id, std::string down, const std::string& table);

// Writes `content` to `file` the way a deployment does: into a dot-named temporary file in
// the same directory, then rename(2), so a reader never sees half a file.
void write_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace magent::test
