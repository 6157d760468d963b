#include "tests/support/migration_writer.hpp"

#include <fstream>
#include <stdexcept>

namespace magent::test {

std::string revision_text(const RevisionSpec& spec) {
  std::string text = "-- revision: " + spec.id + "\n-- down_revision: " + spec.down +
                     "\n-- message: test revision " + spec.id + "\n\n-- +upgrade\n" +
                     spec.upgrade + "\n";
  if (!spec.downgrade.empty()) text += "-- +downgrade\n" + spec.downgrade + "\n";
  for (const auto& [dialect, sql] : spec.upgrade_for) {
    text += "-- +upgrade " + dialect + "\n" + sql + "\n";
  }
  return text;
}

RevisionSpec create_table_revision(std::string id, std::string down, const std::string& table) {
  RevisionSpec spec;
  spec.id = std::move(id);
  spec.down = std::move(down);
  spec.upgrade = "CREATE TABLE " + table + " (id INTEGER NOT NULL PRIMARY KEY);";
  spec.downgrade = "DROP TABLE " + table + ";";
  return spec;
}

void write_atomically(const std::filesystem::path& file, std::string_view content) {
  const std::filesystem::path temporary =
      file.parent_path() / ("." + file.filename().string() + ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  std::filesystem::rename(temporary, file);
}

}  // namespace magent::test
