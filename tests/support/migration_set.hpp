#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

// Writes throwaway migration directories for tests: native .sql revisions described as
// structs, or any file verbatim.
namespace magent::test {

// One native .sql revision (DESIGN.md section 4).
struct SqlRevision {
  std::string id;
  std::vector<std::string> down = {};  // empty: a base revision
  std::string upgrade = "";            // the generic section's statements
  std::string downgrade = "";
  std::map<std::string, std::string> upgrade_for = {};  // dialect name -> its own section
  std::map<std::string, std::string> downgrade_for = {};
  std::vector<std::string> branch_labels = {};
  std::string message = "";
};

// The text of `revision` as a .sql migration file.
std::string sql_migration_text(const SqlRevision& revision);

// A migrations directory being written.
class MigrationSet {
 public:
  // Creates `dir` (and its parents) if needed.
  explicit MigrationSet(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return m_dir; }
  // Writes `revision` to `file_name` (default "<id>.sql"); returns the file's full path.
  std::filesystem::path add(const SqlRevision& revision, const std::string& file_name = "");
  // Writes `content` verbatim to `file_name`; returns the file's full path.
  std::filesystem::path write(const std::string& file_name, const std::string& content);

 private:
  std::filesystem::path m_dir;
};

// The example set shipped in migrations/, read from its files (not from the code under
// test): every revision id in chain order (base first), and the tables it creates.
struct ExampleSet {
  std::filesystem::path dir;
  std::vector<std::string> revisions;  // base first
  std::map<std::string, std::string> paths;  // revision -> file
  std::vector<std::string> tables;     // sorted
  const std::string& head() const { return revisions.back(); }
};
ExampleSet example_set();

}  // namespace magent::test
